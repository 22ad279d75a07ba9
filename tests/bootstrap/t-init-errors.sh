#!/bin/sh
# t-init-errors.sh -- every init failure is posted to /runtime/init/error
# with the right Lambda error type and an actionable message, and bootstrap
# exits 1 without asking for an invocation.
. "$SRC/tests/bootstrap/lib.sh"

event any.json '{}'
script "invoke${TAB}$T/any.json"
printf 'this is not a shared object\n' > "$TASK/notelf.so"

init_error "path in the handler" Runtime.MalformedHandlerName "contains '/'" ../etc/passwd.handler
init_error "absolute path" Runtime.MalformedHandlerName "contains '/'" /etc/passwd.handler
init_error "no dot" Runtime.MalformedHandlerName "no '.'" lambda_function
init_error "two dots" Runtime.MalformedHandlerName "more than one '.'" a.b.c
init_error "empty module" Runtime.MalformedHandlerName "module part is empty" .handler
init_error "empty function" Runtime.MalformedHandlerName "function part is empty" lambda_function.
init_error "no handler at all" Runtime.MalformedHandlerName "no handler given"
init_error "missing plugin" Runtime.ImportModuleError "nosuch.so: No such file" nosuch.handler
init_error "not an ELF file" Runtime.ImportModuleError "dlopen(.*notelf.so) failed: .*ldd -r" notelf.handler
init_error "unresolved symbol" Runtime.ImportModuleError "undefined symbol: lr_test_symbol_nobody_defines" unresolved.handler
init_error "missing function" Runtime.HandlerNotFound "nosuch is undefined or not exported in module 'lambda_function'" lambda_function.nosuch
init_error "function of a dependency" Runtime.HandlerNotFound "lambda_respond is not a handler defined in module 'lambda_function'.*liblambda-runtime" lambda_function.lambda_respond
init_error "no descriptor" Runtime.IncompatiblePlugin "exports no lambda_plugin_descriptor.*LAMBDA_PLUGIN" nodesc.handler
init_error "ABI mismatch" Runtime.IncompatiblePlugin "built for plugin ABI 999, but this runtime (.*) implements ABI 1. Rebuild the plugin against this runtime's headers" badabi.handler
init_error "init hook failure" Plugin.ConfigError "setting GREETING is missing" initfail.handler
init_error "silent init hook failure" Runtime.InitError "init hook of plugin initsilent .* returned 3 without saying why" initsilent.handler

# The init hook runs once, before the first invocation, when loading works.
script "invoke${TAB}$T/any.json" "invoke${TAB}$T/any.json"
run probe.report
check "init hook ran once for two invocations" [ "$(post_body 2 | jq .initCalls)" = 1 ]
finish
