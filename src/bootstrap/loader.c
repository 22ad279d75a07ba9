/* loader.c -- see loader.h. */
#include "config.h"
#include "loader.h"
#include "elf_arch.h"
#include "host.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

__attribute__((format(printf, 3, 4))) static int fail(load_error *e, const char *type,
                                                      const char *fmt, ...)
{
    snprintf(e->type, sizeof e->type, "%s", type);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    return -1;
}

/* Non-zero if addr lies in the object handle loaded itself (dlsym also
 * searches the plugin's dependencies, e.g. liblambda-runtime). */
static int defined_in(void *handle, const void *addr, const char **where)
{
    struct link_map *lm = NULL;
    Dl_info info;
    *where = "?";
    if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) != 0 || !lm)
        return 1; /* cannot tell: accept */
    if (!dladdr(addr, &info) || !info.dli_fname)
        return 1;
    Dl_info self;
    /* the plugin API is compiled into bootstrap (src/bootstrap/Makefile.am) */
    if (dladdr((const void *)defined_in, &self) && self.dli_fbase == info.dli_fbase)
        *where = "liblambda-runtime (built into bootstrap)";
    else
        *where = info.dli_fname;
    return strcmp(info.dli_fname, lm->l_name) == 0;
}

/* Why dlopen() failed: a plugin for another architecture says so (dlerror()
 * alone would say "wrong ELF class" or even "No such file or directory"). */
static int dlopen_failed(const plugin *p, const handler_name *name, load_error *e)
{
    const char *why = dlerror();
    char arch[512];
    if (elf_arch_mismatch(p->path, arch, sizeof arch))
        return fail(e, ERR_IMPORT, "Unable to import module '%s': %s. (dlopen(%s): %s)",
                    name->module, arch, p->path, why ? why : "unknown error");
    return fail(e, ERR_IMPORT,
                "Unable to import module '%s': dlopen(%s) failed: %s. The most common cause "
                "is a missing dependency or a file that is not a shared object built for "
                "this system: check with `ldd -r %s`, and build plugins with "
                "`cc -shared -fPIC ... $(pkg-config --cflags --libs lambda-runtime)`.",
                name->module, p->path, why ? why : "unknown error", p->path);
}

static int open_plugin(plugin *p, const char *task_root, const handler_name *name, load_error *e)
{
    if (asprintf(&p->path, "%s/%s.so", task_root, name->module) < 0) {
        p->path = NULL;
        return fail(e, ERR_IMPORT, "out of memory");
    }
    struct stat st;
    if (stat(p->path, &st) != 0)
        return fail(e, ERR_IMPORT,
                    "Unable to import module '%s': %s: %s. The handler %s names the plugin "
                    "%s.so in LAMBDA_TASK_ROOT (%s); copy the plugin there or fix the handler "
                    "(the image's CMD, or _HANDLER).",
                    name->module, p->path, strerror(errno), p->handler_text, name->module,
                    task_root);
    if (!S_ISREG(st.st_mode))
        return fail(e, ERR_IMPORT, "Unable to import module '%s': %s is not a regular file.",
                    name->module, p->path);
    dlerror();
    p->handle = dlopen(p->path, RTLD_NOW | RTLD_LOCAL);
    if (!p->handle)
        return dlopen_failed(p, name, e);
    return 0;
}

static int check_descriptor(plugin *p, const handler_name *name, load_error *e)
{
    const char *where;
    dlerror();
    p->desc = dlsym(p->handle, LAMBDA_PLUGIN_SYMBOL);
    if (!p->desc || !defined_in(p->handle, p->desc, &where))
        return fail(e, ERR_INCOMPATIBLE,
                    "%s is not a lambda-c-runtime plugin: it exports no %s. Add "
                    "LAMBDA_PLUGIN(\"%s\", \"1.0\", 0, NULL, NULL); to one of its source files "
                    "(see <lambda/lambda.h>) and rebuild it.",
                    p->path, LAMBDA_PLUGIN_SYMBOL, name->module);
    if (p->desc->abi_version != LAMBDA_ABI_VERSION)
        return fail(e, ERR_INCOMPATIBLE,
                    "plugin %s (%s) was built for plugin ABI %u, but this runtime (%s) "
                    "implements ABI %d. Rebuild the plugin against this runtime's headers "
                    "(pkg-config --cflags --libs lambda-runtime), or use a runtime that implements "
                    "ABI %u.",
                    p->path, p->desc->name ? p->desc->name : name->module,
                    (unsigned)p->desc->abi_version, lambda_runtime_version(), LAMBDA_ABI_VERSION,
                    (unsigned)p->desc->abi_version);
    if (p->desc->size < LAMBDA_PLUGIN_MIN_SIZE)
        return fail(e, ERR_INCOMPATIBLE,
                    "plugin %s declares ABI %d but its descriptor is %u bytes, less than the %zu "
                    "every ABI %d descriptor has: it was not made with LAMBDA_PLUGIN(); rebuild it "
                    "against this runtime's headers.",
                    p->path, LAMBDA_ABI_VERSION, (unsigned)p->desc->size,
                    (size_t)LAMBDA_PLUGIN_MIN_SIZE, LAMBDA_ABI_VERSION);
    /* The growth rule of <lambda/lambda.h>: read a field only when size
     * covers it; what an older plugin lacks reads as zero (absent). */
    size_t n = p->desc->size < sizeof p->desc_copy ? p->desc->size : sizeof p->desc_copy;
    memset(&p->desc_copy, 0, sizeof p->desc_copy);
    memcpy(&p->desc_copy, p->desc, n);
    p->desc = &p->desc_copy;
    return 0;
}

static int find_handler(plugin *p, const handler_name *name, load_error *e)
{
    const char *where;
    dlerror();
    void *sym = dlsym(p->handle, name->function);
    if (!sym)
        return fail(e, ERR_NOT_FOUND,
                    "%s is undefined or not exported in module '%s' (%s). Export it as "
                    "`int %s(lambda_invocation *inv)` (not static, default visibility), or fix the "
                    "handler; `nm -D --defined-only %s` lists what the plugin exports.",
                    name->function, name->module, p->path, name->function, p->path);
    if (!defined_in(p->handle, sym, &where) || strcmp(name->function, LAMBDA_PLUGIN_SYMBOL) == 0)
        return fail(e, ERR_NOT_FOUND,
                    "%s is not a handler defined in module '%s' (%s)%s%s. Name a function the "
                    "plugin itself defines as `int %s(lambda_invocation *inv)`.",
                    name->function, name->module, p->path,
                    strcmp(where, "?") ? "; it comes from " : "", strcmp(where, "?") ? where : "",
                    name->function);
    p->handler = (lambda_handler_fn)sym;
    return 0;
}

int plugin_load(plugin *p, const char *task_root, const handler_name *name, load_error *e)
{
    memset(p, 0, sizeof *p);
    if (asprintf(&p->handler_text, "%s.%s", name->module, name->function) < 0) {
        p->handler_text = NULL;
        return fail(e, ERR_IMPORT, "out of memory");
    }
    if (open_plugin(p, task_root, name, e) < 0 || check_descriptor(p, name, e) < 0 ||
        find_handler(p, name, e) < 0)
        return -1;
    return 0;
}

int plugin_init(plugin *p, load_error *e)
{
    if (!p->desc->init)
        return 0;
    lambda_init ctx;
    lr_init_ctx_init(&ctx);
    int rc = p->desc->init(&ctx);
    if (rc == LAMBDA_OK) {
        lr_init_ctx_free(&ctx);
        return 0;
    }
    const char *pname = p->desc->name ? p->desc->name : p->path;
    if (ctx.error_type)
        fail(e, ctx.error_type, "%s", ctx.message ? ctx.message : "");
    else
        fail(e, ERR_INIT,
             "the init hook of plugin %s (%s) returned %d without saying why; it should call "
             "lambda_init_fail(ctx, type, message) before returning LAMBDA_ERR.",
             pname, p->path, rc);
    lr_init_ctx_free(&ctx);
    return -1;
}

void plugin_unload(plugin *p, int run_shutdown)
{
    if (run_shutdown && p->desc && p->desc->shutdown)
        p->desc->shutdown();
    if (p->handle)
        dlclose(p->handle);
    free(p->path);
    free(p->handler_text);
    memset(p, 0, sizeof *p);
}
