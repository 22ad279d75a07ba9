/* test-front.c -- the HTTP front's pure parts: route matching (API Gateway's
 * priorities), the payload 2.0 / 1.0 events, and the mapping of results and
 * streaming preludes back to HTTP. */
#include "config.h"
#include "front.h"

#include <check.h>

#include "check-run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static front_route *routes(const char *const *keys)
{
    front_route *head = NULL, **tail = &head;
    char err[512];
    for (int i = 0; keys[i]; i++) {
        front_route *r = calloc(1, sizeof *r);
        r->key = strdup(keys[i]);
        r->function = strdup(keys[i]);
        r->payload_format = FRONT_PAYLOAD_2_0;
        ck_assert_msg(front_route_parse(r, keys[i], err, sizeof err) == 0, "%s: %s", keys[i], err);
        *tail = r;
        tail = &r->next;
    }
    return head;
}

static const char *pick(const front_route *rs, const char *method, const char *path)
{
    static char key[256];
    front_match m;
    if (front_route_match(rs, method, path, &m) < 0)
        return "(none)";
    snprintf(key, sizeof key, "%s", m.route->key);
    front_match_free(&m);
    return key;
}

START_TEST(route_priority)
{
    /* The example of API Gateway's "Working with routes for HTTP APIs". */
    static const char *const keys[] = {
        "GET /pets/dog/1", "GET /pets/dog/{id}",  "GET /pets/{proxy+}", "ANY /{proxy+}",
        "$default",        "POST /pets/dog/{id}", "ANY /pets/dog/1",    NULL};
    front_route *rs = routes(keys);
    ck_assert_str_eq(pick(rs, "GET", "/pets/dog/1"), "GET /pets/dog/1");
    ck_assert_str_eq(pick(rs, "GET", "/pets/dog/2"), "GET /pets/dog/{id}");
    ck_assert_str_eq(pick(rs, "GET", "/pets/cat/1"), "GET /pets/{proxy+}");
    ck_assert_str_eq(pick(rs, "POST", "/pets/cat"), "ANY /{proxy+}");
    ck_assert_str_eq(pick(rs, "POST", "/pets/dog/1"), "ANY /pets/dog/1");
    ck_assert_str_eq(pick(rs, "POST", "/pets/dog/7"), "POST /pets/dog/{id}");
    ck_assert_str_eq(pick(rs, "GET", "/"), "$default");
    front_routes_free(rs);
    static const char *const some[] = {"GET /hello", "GET /items/{id}", NULL};
    rs = routes(some);
    ck_assert_str_eq(pick(rs, "GET", "/hello"), "GET /hello");
    ck_assert_str_eq(pick(rs, "get", "/hello"), "GET /hello");
    ck_assert_str_eq(pick(rs, "POST", "/hello"), "(none)");
    ck_assert_str_eq(pick(rs, "GET", "/hello/x"), "(none)");
    ck_assert_str_eq(pick(rs, "GET", "/items/"), "(none)");
    ck_assert_str_eq(pick(rs, "GET", "/nothing"), "(none)");
    front_routes_free(rs);
}
END_TEST

START_TEST(route_params)
{
    static const char *const keys[] = {"GET /items/{id}/parts/{part}", "ANY /files/{path+}", NULL};
    front_route *rs = routes(keys);
    front_match m;
    ck_assert_int_eq(front_route_match(rs, "GET", "/items/42/parts/a%20b", &m), 0);
    ck_assert_str_eq(json_object_to_json_string_ext(m.path_params, JSON_C_TO_STRING_PLAIN),
                     "{\"id\":\"42\",\"part\":\"a%20b\"}");
    front_match_free(&m);
    ck_assert_int_eq(front_route_match(rs, "DELETE", "/files/a/b/c.txt", &m), 0);
    ck_assert_str_eq(json_object_to_json_string_ext(m.path_params, JSON_C_TO_STRING_PLAIN),
                     "{\"path\":\"a\\/b\\/c.txt\"}");
    front_match_free(&m);
    ck_assert_int_eq(front_route_match(rs, "GET", "/files", &m), -1);
    front_routes_free(rs);
}
END_TEST

START_TEST(route_syntax)
{
    static const char *const bad[] = {"GET",       "GET hello", "FETCH /x", "GET /{proxy+}/x",
                                      "GET /a//b", "GET /{}",   "GET /{a",  "get /x",
                                      NULL};
    for (int i = 0; bad[i]; i++) {
        front_route r = {0};
        char err[512];
        ck_assert_msg(front_route_parse(&r, bad[i], err, sizeof err) == -1, "accepted %s", bad[i]);
        ck_assert_ptr_nonnull(strstr(err, "bad route"));
        free(r.method);
        free(r.path);
    }
}
END_TEST

static const front_header hdrs[] = {
    {"Host", "api.example.com:3000"},
    {"User-Agent", "curl/7.88.1"},
    {"X-Multi", "one"},
    {"x-multi", "two"},
    {"Cookie", "a=1; b=2"},
    {"Cookie", "c=3"},
    {"Content-Type", "text/plain; charset=utf-8"},
};

static front_request request(const char *query, const void *body, size_t len, const front_header *h,
                             size_t nh)
{
    front_request rq = {
        .method = "POST",
        .raw_path = "/items/42",
        .raw_query = query,
        .protocol = "HTTP/1.1",
        .source_ip = "192.0.2.7",
        .headers = h,
        .nheaders = nh,
        .body = body,
        .body_len = len,
        .has_body = body != NULL,
        .request_id = "rid-1",
        .time_ms = 1583348638390LL,
        .account_id = "123456789012",
        .api_id = "local",
    };
    return rq;
}

static const char *str(json_object *ev, const char *path)
{
    json_object *o = ev;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *k = strtok(buf, "."); k; k = strtok(NULL, "."))
        if (!json_object_object_get_ex(o, k, &o))
            return "(absent)";
    return o ? json_object_get_string(o) : "(null)";
}

START_TEST(event_2_0)
{
    static const char *const keys[] = {"POST /items/{id}", NULL};
    front_route *rs = routes(keys);
    front_match m;
    ck_assert_int_eq(front_route_match(rs, "POST", "/items/42", &m), 0);
    front_request rq = request("k=1&k=2&x=a%20b+c&flag", "hi", 2, hdrs, 7);
    json_object *ev = front_event(&rq, &m);
    ck_assert_str_eq(str(ev, "version"), "2.0");
    ck_assert_str_eq(str(ev, "routeKey"), "POST /items/{id}");
    ck_assert_str_eq(str(ev, "rawPath"), "/items/42");
    ck_assert_str_eq(str(ev, "rawQueryString"), "k=1&k=2&x=a%20b+c&flag");
    ck_assert_str_eq(str(ev, "queryStringParameters.k"), "1,2");
    ck_assert_str_eq(str(ev, "queryStringParameters.x"), "a b c");
    ck_assert_str_eq(str(ev, "queryStringParameters.flag"), "");
    ck_assert_str_eq(str(ev, "headers.x-multi"), "one,two");
    ck_assert_str_eq(str(ev, "headers.user-agent"), "curl/7.88.1");
    ck_assert_str_eq(str(ev, "headers.cookie"), "(absent)");
    ck_assert_str_eq(json_object_to_json_string_ext(json_object_object_get(ev, "cookies"),
                                                    JSON_C_TO_STRING_PLAIN),
                     "[\"a=1\",\"b=2\",\"c=3\"]");
    ck_assert_str_eq(str(ev, "pathParameters.id"), "42");
    ck_assert_str_eq(str(ev, "requestContext.http.method"), "POST");
    ck_assert_str_eq(str(ev, "requestContext.http.sourceIp"), "192.0.2.7");
    ck_assert_str_eq(str(ev, "requestContext.http.userAgent"), "curl/7.88.1");
    ck_assert_str_eq(str(ev, "requestContext.domainName"), "api.example.com");
    ck_assert_str_eq(str(ev, "requestContext.domainPrefix"), "api");
    ck_assert_str_eq(str(ev, "requestContext.stage"), "$default");
    ck_assert_str_eq(str(ev, "requestContext.time"), "04/Mar/2020:19:03:58 +0000");
    ck_assert_str_eq(str(ev, "requestContext.timeEpoch"), "1583348638390");
    ck_assert_str_eq(str(ev, "body"), "hi");
    ck_assert_str_eq(str(ev, "isBase64Encoded"), "false");
    json_object_put(ev);

    /* Binary (and no query): base64, no queryStringParameters. */
    static const front_header bin[] = {{"Content-Type", "image/png"}};
    rq = request("", "\x89PNG\0\1", 6, bin, 1);
    ev = front_event(&rq, &m);
    ck_assert_str_eq(str(ev, "body"), "iVBORwAB");
    ck_assert_str_eq(str(ev, "isBase64Encoded"), "true");
    ck_assert_str_eq(str(ev, "queryStringParameters"), "(absent)");
    ck_assert_str_eq(str(ev, "cookies"), "(absent)");
    json_object_put(ev);
    front_match_free(&m);
    front_routes_free(rs);
}
END_TEST

START_TEST(event_1_0)
{
    static const char *const keys[] = {"POST /items/{id}", NULL};
    front_route *rs = routes(keys);
    rs->payload_format = FRONT_PAYLOAD_1_0;
    front_match m;
    ck_assert_int_eq(front_route_match(rs, "POST", "/items/42", &m), 0);
    front_request rq = request("k=1&k=2", NULL, 0, hdrs, 7);
    json_object *ev = front_event(&rq, &m);
    ck_assert_str_eq(str(ev, "version"), "1.0");
    ck_assert_str_eq(str(ev, "resource"), "/items/{id}");
    ck_assert_str_eq(str(ev, "path"), "/items/42");
    ck_assert_str_eq(str(ev, "httpMethod"), "POST");
    ck_assert_str_eq(str(ev, "headers.x-multi"), "two");
    ck_assert_str_eq(
        json_object_to_json_string_ext(
            json_object_object_get(json_object_object_get(ev, "multiValueHeaders"), "x-multi"),
            JSON_C_TO_STRING_PLAIN),
        "[\"one\",\"two\"]");
    ck_assert_str_eq(str(ev, "queryStringParameters.k"), "2");
    ck_assert_str_eq(json_object_to_json_string_ext(
                         json_object_object_get(
                             json_object_object_get(ev, "multiValueQueryStringParameters"), "k"),
                         JSON_C_TO_STRING_PLAIN),
                     "[\"1\",\"2\"]");
    ck_assert_str_eq(str(ev, "headers.cookie"), "c=3");
    ck_assert_str_eq(str(ev, "requestContext.resourcePath"), "/items/{id}");
    ck_assert_str_eq(str(ev, "requestContext.identity.sourceIp"), "192.0.2.7");
    ck_assert_str_eq(str(ev, "requestContext.requestTimeEpoch"), "1583348638390");
    ck_assert_str_eq(str(ev, "pathParameters.id"), "42");
    ck_assert_str_eq(str(ev, "body"), "(null)");
    ck_assert_str_eq(str(ev, "stageVariables"), "(null)");
    ck_assert_str_eq(str(ev, "isBase64Encoded"), "false");
    json_object_put(ev);
    front_match_free(&m);
    front_routes_free(rs);
}
END_TEST

/* The headers of r as "name: value\n" lines. */
static const char *header_lines(const front_response *r)
{
    static char buf[1024];
    size_t used = 0;
    const char *p = r->headers.data;
    buf[0] = '\0';
    for (size_t i = 0; i < r->nheaders; i++) {
        const char *v = p + strlen(p) + 1;
        used += (size_t)snprintf(buf + used, sizeof buf - used, "%s: %s\n", p, v);
        p = v + strlen(v) + 1;
    }
    return buf;
}

static int map(const char *payload, int pf, front_response *r)
{
    return front_result_map(payload, strlen(payload), pf, r);
}

START_TEST(result_proxy)
{
    front_response r;
    ck_assert_int_eq(
        map("{\"statusCode\":201,\"headers\":{\"X-A\":\"1\",\"X-N\":5,\"X-B\":true},"
            "\"multiValueHeaders\":{\"X-M\":[\"a\",\"b\"]},\"cookies\":[\"s=1; Path=/\",\"t=2\"],"
            "\"body\":\"created\"}",
            FRONT_PAYLOAD_2_0, &r),
        0);
    ck_assert_int_eq(r.status, 201);
    ck_assert_str_eq(header_lines(&r), "X-A: 1\nX-N: 5\nX-B: true\nX-M: a\nX-M: b\n"
                                       "Set-Cookie: s=1; Path=/\nSet-Cookie: t=2\n");
    ck_assert_uint_eq(r.body.len, 7);
    ck_assert_str_eq(r.body.data, "created");
    front_response_free(&r);
    ck_assert_int_eq(map("{\"statusCode\":200,\"body\":\"AAEC/w==\",\"isBase64Encoded\":true}",
                         FRONT_PAYLOAD_1_0, &r),
                     0);
    ck_assert_uint_eq(r.body.len, 4);
    ck_assert_int_eq(memcmp(r.body.data, "\0\1\2\377", 4), 0);
    front_response_free(&r);
}
END_TEST

START_TEST(result_inferred_and_malformed)
{
    front_response r;
    /* 2.0 without statusCode: 200 application/json, the result verbatim. */
    static const char *const plain[] = {"{\"message\":\"hi\"}", "\"text\"", "42", "[1,2]", NULL};
    for (int i = 0; plain[i]; i++) {
        ck_assert_int_eq(map(plain[i], FRONT_PAYLOAD_2_0, &r), 0);
        ck_assert_int_eq(r.status, 200);
        ck_assert_str_eq(header_lines(&r), "Content-Type: application/json\n");
        ck_assert_str_eq(r.body.data, plain[i]);
        front_response_free(&r);
        ck_assert_int_eq(map(plain[i], FRONT_PAYLOAD_1_0, &r), -1);
    }
    static const char *const bad[] = {
        "not json",
        "{\"statusCode\":\"200\"}",
        "{\"statusCode\":99}",
        "{\"statusCode\":200,\"body\":{}}",
        "{\"statusCode\":200,\"headers\":[]}",
        "{\"statusCode\":200,\"headers\":{\"a\":{}}}",
        "{\"statusCode\":200,\"cookies\":[1]}",
        "{\"statusCode\":200,\"body\":\"%%%\",\"isBase64Encoded\":true}",
        "{} trailing",
        NULL};
    for (int i = 0; bad[i]; i++)
        ck_assert_msg(map(bad[i], FRONT_PAYLOAD_2_0, &r) == -1, "accepted %s", bad[i]);
}
END_TEST

START_TEST(prelude)
{
    front_response r;
    size_t used = 0;
    static const char p[] =
        "{\"statusCode\":201,\"headers\":{\"content-type\":\"text/event-stream\"},"
        "\"cookies\":[\"a=1\"]}\0\0\0\0\0\0\0\0data: 1\n\n";
    size_t json = strlen(p);
    ck_assert_int_eq(front_prelude_parse(p, json + 4, &r, &used), 0);
    ck_assert_int_eq(front_prelude_parse(p, sizeof p - 1, &r, &used), 1);
    ck_assert_uint_eq(used, json + 8);
    ck_assert_int_eq(r.status, 201);
    ck_assert_str_eq(header_lines(&r), "content-type: text/event-stream\nSet-Cookie: a=1\n");
    front_response_free(&r);
    ck_assert_int_eq(front_prelude_parse("{}\0\0\0\0\0\0\0\0", 10, &r, &used), 1);
    ck_assert_int_eq(r.status, 200);
    front_response_free(&r);
    ck_assert_int_eq(front_prelude_parse("nope\0\0\0\0\0\0\0\0", 12, &r, &used), -1);
}
END_TEST

START_TEST(text_types)
{
    static const char *const text[] = {"text/plain",
                                       "text/html; charset=utf-8",
                                       "application/json",
                                       "application/vnd.api+json",
                                       "application/xml",
                                       "image/svg+xml",
                                       "application/javascript",
                                       NULL};
    static const char *const binary[] = {"image/png", "application/octet-stream",
                                         "application/x-www-form-urlencoded", "multipart/form-data",
                                         NULL};
    for (int i = 0; text[i]; i++)
        ck_assert_msg(front_is_text_type(text[i]), "%s", text[i]);
    for (int i = 0; binary[i]; i++)
        ck_assert_msg(!front_is_text_type(binary[i]), "%s", binary[i]);
    ck_assert(!front_is_text_type(NULL));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("front");
    TCase *tc = tcase_create("front");
    tcase_add_test(tc, route_priority);
    tcase_add_test(tc, route_params);
    tcase_add_test(tc, route_syntax);
    tcase_add_test(tc, event_2_0);
    tcase_add_test(tc, event_1_0);
    tcase_add_test(tc, result_proxy);
    tcase_add_test(tc, result_inferred_and_malformed);
    tcase_add_test(tc, prelude);
    tcase_add_test(tc, text_types);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(suite());
}
