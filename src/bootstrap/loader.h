/*
 * loader.h -- loading the handler plugin: dlopen($task_root/module.so), the
 * descriptor's ABI check, the handler symbol, and the plugin's init hook.
 * Each failure comes back as the Lambda error type to post to
 * /runtime/init/error and a message that says what to do.
 */
#ifndef BOOTSTRAP_LOADER_H
#define BOOTSTRAP_LOADER_H

#include <lambda/lambda.h>
#include <stddef.h>

#include "handler_name.h"

#define ERR_IMPORT "Runtime.ImportModuleError"
#define ERR_NOT_FOUND "Runtime.HandlerNotFound"
#define ERR_MALFORMED "Runtime.MalformedHandlerName"
#define ERR_INCOMPATIBLE "Runtime.IncompatiblePlugin"
#define ERR_INIT "Runtime.InitError"

typedef struct plugin {
    void *handle;
    const lambda_plugin *desc; /* &desc_copy once the descriptor is accepted */
    /* The plugin's descriptor, the fields its size covers; the rest zero
     * (absent), so a plugin built with a smaller descriptor loads and one
     * built with a larger one has its extra fields ignored. */
    lambda_plugin desc_copy;
    lambda_handler_fn handler;
    char *path;
    char *handler_text; /* "module.function", for messages */
} plugin;

/* An init failure: what to post and say. */
typedef struct load_error {
    char type[128];
    char message[2048];
} load_error;

/* Open the plugin and find the handler.  Returns 0 or -1 with e filled. */
int plugin_load(plugin *p, const char *task_root, const handler_name *name, load_error *e);

/* Run the plugin's init hook, if any.  Returns 0 or -1 with e filled (the
 * type the plugin gave lambda_init_fail(), or Runtime.InitError). */
int plugin_init(plugin *p, load_error *e);

/* Run the shutdown hook (once) and close the plugin. */
void plugin_unload(plugin *p, int run_shutdown);

#endif
