using PaymentHub.Infrastructure;

namespace PaymentHub.Wallet;

/// <summary>The actions of <c>/api/wallet.php</c> (for Swagger).</summary>
public static class WalletApiDocs
{
    private static readonly ResellerReplyExample Missing = new(422, "A required parameter is missing.", """{"error":"Missing required parameters.","field":"amount"}""");

    public static IReadOnlyList<ResellerActionDoc> Actions { get; } =
    [
        new("balance", "The wallet balance.", [], [new(200, "The balance.", """{"success":true,"balance":"1234.50"}""")]),
        new("add_fund", "Starts a top-up through a payment gateway; send whoever pays to payment_url. The wallet is credited once the gateway confirms.",
        [
            new("amount", true, "100", "ASCII digits, at most two decimals, within the gateway's limits."),
            new("gateway", true, "shurjopay", "A configured funding gateway (shurjopay, securesoftpay; sandbox in Development)."),
            new("customer_name", false, "Customer Name", "The payer, for the gateway."),
            new("customer_phone", false, "01712345678", "The payer's phone."),
            new("customer_email", false, "payer@example.com", "The payer's e-mail."),
            new("return_url", false, "https://shop.example/return", "Your page; the result page links back to it with topup_id and status."),
        ],
        [
            new(200, "Started.", """{"success":true,"topup_id":"TU0123456789ABCDEF","payment_url":"https://…","amount":"100.00","gateway":"shurjopay","status":"Pending"}"""),
            Missing,
            new(422, "Outside the gateway's limits.", """{"error":"Invalid amount.","field":"amount","min_amount":"10.00","max_amount":"25000.00"}"""),
            new(422, "Unknown gateway (allowed_gateway names sandbox only in Development).", """{"error":"Invalid gateway.","allowed_gateway":["shurjopay","securesoftpay"]}"""),
            new(422, "The gateway is turned off or not configured.", """{"error":"This payment gateway is not available."}"""),
            new(502, "The gateway refused or did not answer; nothing is charged.", """{"error":"The payment gateway could not start the payment. Try again later.","topup_id":"TU0123456789ABCDEF","gateway_message":"…"}"""),
        ]),
        new("topup_status", "A top-up's status: Pending, Completed, Failed or Cancelled.",
            [new("topup_id", true, "TU0123456789ABCDEF", "From add_fund.")],
        [
            new(200, "The top-up.", """{"success":true,"topup_id":"TU0123456789ABCDEF","status":"Completed","amount":"100.00","currency":"BDT","gateway":"shurjopay","gateway_reference":"SP0123","created_at":"2026-04-01 10:00:00","completed_at":"2026-04-01 10:02:00"}"""),
            new(422, "topup_id is missing.", """{"error":"Missing required parameters.","field":"topup_id"}"""),
            new(404, "No such top-up of yours.", """{"error":"Top-up not found."}"""),
        ]),
        new("statement", "The wallet's movements over a period, newest first, a page at a time.",
        [
            new("from", true, "2026-04-01", "First day (YYYY-MM-DD)."),
            new("to", true, "2026-04-30", "Last day (YYYY-MM-DD)."),
            new("page", false, "1", "Page number, from 1."),
            new("per_page", false, "50", "Entries per page."),
        ],
        [
            new(200, "The statement.", """{"success":true,"from":"2026-04-01","to":"2026-04-30","utc_offset":"+06:00","opening_balance":"0.00","closing_balance":"100.00","entries":[]}"""),
            new(422, "from or to is missing.", """{"error":"Missing required parameters.","field":"from"}"""),
            new(422, "to is before from.", """{"error":"Invalid date range: to is before from."}"""),
            new(422, "page outside the range.", """{"error":"Invalid page."}"""),
        ]),
    ];
}
