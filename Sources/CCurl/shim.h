// libcurl for the callback transport. curl_easy_setopt, curl_multi_setopt and
// curl_easy_getinfo are variadic, which Swift cannot call: each wrapper below passes
// exactly one argument type, so Swift sees a typed function per kind of option.
#include <curl/curl.h>

// Options that take a long: flags, limits, timeouts (CURLOPT_NOSIGNAL, CURLOPT_TIMEOUT_MS).
static inline CURLcode elm_curl_easy_setopt_long(CURL *easy, CURLoption option, long value) {
    return curl_easy_setopt(easy, option, value);
}

// Options that take a curl_off_t: sizes that may pass 2 GiB (CURLOPT_POSTFIELDSIZE_LARGE).
static inline CURLcode elm_curl_easy_setopt_offset(CURL *easy, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(easy, option, value);
}

// Options that take a pointer: C strings, lists, a parsed URL, a callback's context.
static inline CURLcode elm_curl_easy_setopt_pointer(CURL *easy, CURLoption option, const void *value) {
    return curl_easy_setopt(easy, option, value);
}

// CURLOPT_WRITEFUNCTION: a function pointer is passed as itself, not as a data pointer.
static inline CURLcode elm_curl_easy_setopt_write_function(CURL *easy, curl_write_callback function) {
    return curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, function);
}

// CURLOPT_OPENSOCKETFUNCTION: sees each address before libcurl connects to it.
static inline CURLcode elm_curl_easy_setopt_open_socket_function(CURL *easy, curl_opensocket_callback function) {
    return curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, function);
}

// Multi options that take a long (CURLMOPT_MAX_TOTAL_CONNECTIONS).
static inline CURLMcode elm_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

// Information that is a long (CURLINFO_RESPONSE_CODE, CURLINFO_OS_ERRNO).
static inline CURLcode elm_curl_easy_getinfo_long(CURL *easy, CURLINFO info, long *value) {
    return curl_easy_getinfo(easy, info, value);
}
