/*
 * console_assets.c -- the console's page, script, style and sample event
 * (src/emulator/console/), compiled into the program with the assembler's
 * .incbin: nothing to install or find at run time, nothing downloaded.
 */
#include "config.h"
#include <string.h>

#include "console.h"

#ifndef CONSOLE_SRCDIR
#error "CONSOLE_SRCDIR (the directory of the console's files) must be defined"
#endif

/* Bytes of FILE between SYM and SYM_end, in .rodata. */
#define ASSET(sym, file)                                \
    __asm__(".pushsection .rodata\n"                    \
            ".balign 16\n"                              \
            ".globl " #sym "\n" #sym ":\n"              \
            ".incbin \"" CONSOLE_SRCDIR "/" file "\"\n" \
            ".globl " #sym "_end\n" #sym "_end:\n"      \
            ".popsection\n");                           \
    extern const char sym[], sym##_end[]

ASSET(lr_console_html, "index.html");
ASSET(lr_console_js, "console.js");
ASSET(lr_console_css, "console.css");
ASSET(lr_console_sample, "sample-apigw-hello.json");

const console_asset *console_asset_find(const char *name)
{
    static console_asset assets[4];
    if (!assets[0].name) {
        assets[0] = (console_asset){"", "text/html; charset=utf-8", lr_console_html,
                                    (size_t)(lr_console_html_end - lr_console_html)};
        assets[1] = (console_asset){"console.js", "text/javascript; charset=utf-8", lr_console_js,
                                    (size_t)(lr_console_js_end - lr_console_js)};
        assets[2] = (console_asset){"console.css", "text/css; charset=utf-8", lr_console_css,
                                    (size_t)(lr_console_css_end - lr_console_css)};
        assets[3] =
            (console_asset){"sample-apigw-hello.json", "application/json", lr_console_sample,
                            (size_t)(lr_console_sample_end - lr_console_sample)};
    }
    if (strcmp(name, "index.html") == 0)
        name = "";
    for (size_t i = 0; i < sizeof assets / sizeof assets[0]; i++)
        if (strcmp(assets[i].name, name) == 0)
            return &assets[i];
    return NULL;
}
