"""Schemathesis hooks that sign every generated request as the test merchant.

The merchant API refuses unsigned requests with 401, so without these hooks schemathesis
would only ever reach the authentication check. The signature goes where schemathesis put
the security scheme it chose (`Signature` or `M-Signature`, version 2 when it sent
`Signature-Version`). A request whose headers were generated to break the description
keeps out a header schemathesis left out, so its tests of a missing `X-Timestamp` or
signature meet the real 401; any other request is completed to a valid one.

Set by the test that runs schemathesis: ELMOMENTO_MERCHANT (the slug put in every path)
and ELMOMENTO_SECRET (its secret).
"""

import hashlib
import hmac
import os
import time
import urllib.parse

import requests
import schemathesis
from schemathesis.core.parameters import ParameterLocation

MERCHANT = os.environ["ELMOMENTO_MERCHANT"]
SECRET = os.environ["ELMOMENTO_SECRET"].encode()
SIGNATURE_HEADERS = ("Signature", "M-Signature")


class MerchantSignature(requests.auth.AuthBase):
    """Signs a request as SPEC 3.1 says, in the headers schemathesis generated.

    A requests auth runs on the prepared request, after the body is serialized, so the
    signature covers the exact bytes sent whatever schemathesis generated.
    """

    def __init__(self, complete):
        # Whether to add the headers schemathesis left out: for every request but those it made to break the rules.
        self.complete = complete

    def __call__(self, request):
        headers = request.headers
        if self.complete:
            headers.setdefault("X-Timestamp", "")
            if not any(name in headers for name in SIGNATURE_HEADERS):
                headers["Signature"] = ""
        if "X-Timestamp" not in headers:
            return request
        timestamp = str(int(time.time()))
        headers["X-Timestamp"] = timestamp
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        if "Signature-Version" in headers:
            headers["Signature-Version"] = "2"
            url = urllib.parse.urlsplit(request.url)
            target = url.path + ("?" + url.query if url.query else "")
            message = b"\n".join([timestamp.encode(), request.method.encode(), target.encode(), body])
        else:
            signed = body if request.method in ("POST", "PUT", "PATCH") else b""
            message = timestamp.encode() + signed
        signature = hmac.new(SECRET, message, hashlib.sha512).hexdigest()
        for name in SIGNATURE_HEADERS:
            if name in headers:
                headers[name] = signature
        return request


@schemathesis.hook
def before_call(context, case, kwargs):
    # Every path names the merchant the test created: another slug only tests 404 merchant_not_found.
    if case.path_parameters is not None and "merchant" in case.path_parameters:
        case.path_parameters["merchant"] = MERCHANT
    breaks_headers = case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER)
    kwargs["auth"] = MerchantSignature(complete=not breaks_headers)
