/* error_json.c -- see error_json.h. */
#include "error_json.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

char *error_json(const char *type, const char *message, const char *const *stack, size_t *len)
{
    json_object *o = json_object_new_object();
    json_object *frames = json_object_new_array();
    if (!o || !frames) {
        json_object_put(o);
        json_object_put(frames);
        return NULL;
    }
    json_object_object_add(o, "errorMessage", json_object_new_string(message ? message : ""));
    json_object_object_add(o, "errorType", json_object_new_string(type ? type : "Error"));
    for (int i = 0; stack && stack[i]; i++)
        json_object_array_add(frames, json_object_new_string(stack[i]));
    json_object_object_add(o, "stackTrace", frames);
    size_t n;
    const char *s = json_object_to_json_string_length(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    char *out = malloc(n + 1);
    if (out) {
        memcpy(out, s, n + 1);
        if (len)
            *len = n;
    }
    json_object_put(o);
    return out;
}
