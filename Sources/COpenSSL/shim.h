// The OpenSSL headers ElMomento uses. No shims are needed: every function called
// from Swift is a plain, non-variadic C function.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
