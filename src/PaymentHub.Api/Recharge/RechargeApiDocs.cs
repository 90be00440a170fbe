using PaymentHub.Infrastructure;

namespace PaymentHub.Recharge;

/// <summary>The two uses of <c>/api/mobile-recharge.php</c> as nurr's recharge documentation describes them (for Swagger).</summary>
public static class RechargeApiDocs
{
    private const string Order = """
        "full_name":"Test Shop","phone":"01712345678","amount":"20.00","operator_name":"Grameenphone","commission_amount":"0.20","before_balance":"1000.00","after_balance":"980.20","order_number":"TST-AB12CD34EF56"
        """;

    private static readonly ResellerReplyExample Missing = new(422, "A required parameter is missing.", """{"error":"Missing required parameters."}""");

    public static IReadOnlyList<ResellerActionDoc> Actions { get; } =
    [
        new(null, "Recharges a mobile number (no action): the wallet is debited amount - commission and the reply is final, or Processing.",
        [
            new("phone", true, "01712345678", "11 digits (01…), or 8801… / +8801…."),
            new("amount", true, "20", "ASCII digits, at most two decimals, within the operator's limits."),
            new("operator", true, "GP", "GP, GP ST (Skitto), BL, RB, AT or TT."),
            new("account_type", false, "prepaid", "prepaid (default) or postpaid."),
            new("request_id", false, "shop-42-0001", "Your idempotency key: a repeated request with it answers the first recharge (also as the Idempotency-Key header)."),
        ],
        [
            new(200, "Recharged (or Failed and refunded, or Processing when the outcome is not known yet).",
                "{\"success\":true," + Order + ",\"operator_transaction_id\":\"TXN123456789\",\"status\":\"Success\"}"),
            Missing,
            new(422, "Account type other than prepaid or postpaid.", """{"error":"Invalid account type."}"""),
            new(422, "Unknown operator code.", """{"error":"Invalid operator.","allowed_operator":["GP","GP ST","BL","RB","AT","TT"]}"""),
            new(422, "The number's prefix is not the operator's.", """{"error":"Invalid operator number for this recharge."}"""),
            new(422, "Outside the operator's limits.", """{"error":"Invalid recharge amount."}"""),
            new(422, "The wallet does not cover the debit.", """{"error":"Insufficient balance."}"""),
            new(500, "The request could not be processed.", """{"error":"Transaction failed."}"""),
        ]),
        new("status_check", "The recharge's status, by order_number or by the request_id you sent.",
        [
            new("order_number", false, "TST-AB12CD34EF56", "From the recharge reply (or send request_id)."),
            new("request_id", false, "shop-42-0001", "The request_id of the recharge."),
        ],
        [
            new(200, "The recharge.", "{\"success\":true," + Order + ",\"status\":\"Success\"}"),
            Missing,
            new(404, "No such recharge of yours.", """{"error":"Transaction not found."}"""),
        ]),
    ];
}
