/*
 * greet.c -- an example function for the lambda-c-runtime image: answers an
 * API Gateway HTTP API (payload 2.0) or function URL event with
 * "Greetings, NAME" (NAME from ?name=, "stranger" without it), and logs how
 * much time the invocation had left.
 *
 * Handler: greet.handler  (this file builds greet.so; see Makefile, Dockerfile)
 */
#include <lambda/lambda.h>

#include <stdio.h>

int handler(lambda_invocation *inv);

/* event.queryStringParameters.name, or NULL. */
static const char *name_of(json_object *event)
{
    json_object *params, *name;
    if (event && json_object_object_get_ex(event, "queryStringParameters", &params) &&
        json_object_object_get_ex(params, "name", &name) &&
        json_object_is_type(name, json_type_string) && json_object_get_string_len(name) > 0)
        return json_object_get_string(name);
    return NULL;
}

int handler(lambda_invocation *inv)
{
    const char *name = name_of(lambda_event_json(inv));
    char message[256];
    snprintf(message, sizeof message, "Greetings, %s", name ? name : "stranger");
    lambda_log(inv, LAMBDA_LOG_INFO, "greeting %s with %lld ms left", name ? name : "a stranger",
               (long long)lambda_remaining_ms(inv));

    json_object *headers = json_object_new_object();
    json_object_object_add(headers, "Content-Type", json_object_new_string("text/plain"));
    json_object *result = json_object_new_object();
    json_object_object_add(result, "statusCode", json_object_new_int(200));
    json_object_object_add(result, "headers", headers);
    json_object_object_add(result, "body", json_object_new_string(message));
    return lambda_respond_json(inv, result);
}

LAMBDA_PLUGIN("greet", "1.0", LAMBDA_PLUGIN_THREAD_SAFE, NULL, NULL);
