import ElMomentoCore

/// The HTML of the hosted payment page: one self-contained document, styled inline, with
/// plain forms (no script), so that it works on any phone and loads nothing from elsewhere.
struct PaymentPage {
    let deposit: Order
    let merchantSlug: String
    /// Pending, but past its time to live: shown as expired, with nothing to click.
    let isPastItsTime: Bool
    /// Where a production payer sends the money (the gateway's bank account), as the
    /// operator wrote it; `nil` when not configured.
    let instructions: String?

    /// The page a token that opens no deposit gets.
    static let notFound = document(
        title: "Payment not found",
        body: "<h1>Payment not found</h1><p>This payment link is not valid. Ask the merchant for a new one.</p>")

    var html: String {
        let amount =
            "\(MinorUnits.formatWithAllDecimals(deposit.amountMinorUnits, currency: deposit.currency)) "
            + deposit.currency.code
        var body = """
            <p class="merchant">Pay <strong>\(Self.escaped(merchantSlug))</strong></p>
            <p class="amount" id="amount">\(Self.escaped(amount))</p>
            <dl>
            <dt>Reference</dt><dd id="reference">\(Self.escaped(deposit.id))</dd>
            <dt>Merchant's order</dt><dd>\(Self.escaped(deposit.orderID))</dd>
            <dt>Status</dt><dd id="status">\(Self.escaped(deposit.status.rawValue))</dd>
            </dl>
            """
        body += deposit.status == .pending && !isPastItsTime ? pendingPart : settledPart
        if deposit.environment == .sandbox {
            body += #"<p class="note">Sandbox: no real money moves.</p>"#
        }
        return Self.document(title: "Pay \(amount) to \(merchantSlug)", body: body)
    }

    private var pendingPart: String {
        guard deposit.environment == .sandbox else {
            let destination = instructions.map {
                #"<p class="instructions" id="instructions">"# + Self.escaped($0) + "</p>"
            }
            return (destination ?? "") + """
                <p>Transfer exactly this amount and write the reference above on the transfer.
                Your payment is confirmed when the transfer arrives; you may close this page.</p>
                """
        }
        let page = "/pay/" + (deposit.paymentToken ?? "")
        return """
            <form method="post" action="\(page)/simulate-payment">
            <button type="submit" id="simulate-payment">Simulate payment</button></form>
            <form method="post" action="\(page)/simulate-failure">
            <button type="submit" id="simulate-failure" class="secondary">Simulate failure</button></form>
            """
    }

    private var settledPart: String {
        switch deposit.status {
        case .completed: #"<p class="result ok">Payment received. Thank you.</p>"#
        case .failed: #"<p class="result">The payment failed. Ask the merchant for a new payment link.</p>"#
        case .expired, .pending: #"<p class="result">This payment link has expired.</p>"#
        default: #"<p class="result">This payment was cancelled.</p>"#
        }
    }

    private static func document(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escaped(title))</title>
        <style>
        body{font-family:system-ui,sans-serif;background:#f4f5f7;color:#1d2433;margin:0;padding:2rem 1rem}
        main{max-width:26rem;margin:0 auto;background:#fff;border-radius:12px;padding:2rem;
        box-shadow:0 2px 12px rgba(0,0,0,.08)}
        .amount{font-size:2.2rem;font-weight:700;margin:.2rem 0 1rem}
        dl{display:grid;grid-template-columns:auto 1fr;gap:.4rem 1rem;font-size:.95rem}
        dt{color:#5b6478}dd{margin:0;word-break:break-all}
        button{width:100%;padding:.9rem;font-size:1rem;border:0;border-radius:8px;background:#1f6feb;color:#fff;
        margin-top:.8rem;cursor:pointer}
        button.secondary{background:#e5e7eb;color:#1d2433}
        .instructions{white-space:pre-line;background:#f4f5f7;border-radius:8px;padding:.8rem}
        .result{font-weight:600}.ok{color:#137333}.note{color:#8a5300;font-size:.85rem;margin-top:1.5rem}
        </style></head>
        <body><main>\(body)</main></body></html>
        """
    }

    /// Text made safe inside HTML elements and attribute values.
    static func escaped(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}
