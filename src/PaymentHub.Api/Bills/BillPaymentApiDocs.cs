using PaymentHub.Infrastructure;

namespace PaymentHub.Bills;

/// <summary>The actions of <c>/api/bill-payment.php</c> as nurr's bill-payment documentation describes them (for Swagger).</summary>
public static class BillPaymentApiDocs
{
    private const string Order = """
        "order_number":"TST-AB12CD34EF56","status":"Processing","provider":"DESCO","service":"DESCO Prepaid","module_data":{"meter_number":"123456789"},"bill_month":"2026-04","amount":"500.00"
        """;

    private static readonly ResellerFormField ProviderId = new("provider_id", true, "1", "From provider_check.");
    private static readonly ResellerFormField ServiceId = new("service_id", true, "5", "From service_check.");
    private static readonly ResellerFormField MeterNumber = new("meter_number", false, "123456789", "A module field: send every field the service's module_fields lists.");
    private static readonly ResellerFormField BillMonth = new("bill_month", false, "2026-04", "When module_fields lists it: YYYY-MM (or bill_month_month + bill_month_year).");
    private static readonly ResellerFormField ContactNumber = new("contact_number", false, "01712345678", "A module field, when the service lists it.");
    private static readonly ResellerReplyExample BadProvider = new(404, "Provider unknown or inactive.", """{"error":"Invalid provider ID."}""");
    private static readonly ResellerReplyExample BadService = new(404, "Service and provider do not match, or inactive.", """{"error":"Invalid service or provider."}""");
    private static readonly ResellerReplyExample Missing = new(422, "A required parameter is missing.", """{"error":"Missing required parameters."}""");
    private static readonly ResellerReplyExample MissingModule = new(422, "A module field the service needs is missing.", """{"error":"Missing required module data.","field":"meter_number"}""");

    public static IReadOnlyList<ResellerActionDoc> Actions { get; } =
    [
        new("provider_check", "Active bill providers.", [],
            [new(200, "The providers.", """{"success":true,"providers":[{"id":1,"name":"DESCO","logo":"desco.png","status":"active"}]}""")]),
        new("service_check", "Active services of a provider, with the module fields submit needs.", [ProviderId],
        [
            new(200, "The services.", """{"success":true,"provider":{"id":1,"name":"DESCO"},"services":[{"id":"5","provider_id":"1","name":"DESCO Prepaid","logo":"desco-prepaid.png","module_name":"meter_number,bill_month,contact_number","module_fields":["meter_number","bill_month","contact_number"]}]}"""),
            Missing, BadProvider,
        ]),
        new("submit", "Pays a bill: the wallet is debited and the order is Processing until the biller answers (see status_check).",
        [
            ProviderId, ServiceId, new("amount", true, "500", "Bill amount: ASCII digits, at most two decimals."),
            MeterNumber, BillMonth, ContactNumber,
            new("request_id", false, "shop-42-0001", "Your idempotency key: a repeated submit with it answers the first order (also as the Idempotency-Key header)."),
        ],
        [
            new(200, "Received; the final status comes from status_check.", "{\"success\":true," + Order + ",\"total_amount\":\"500.00\"}"),
            Missing, MissingModule,
            new(422, "The service needs bill_month.", """{"error":"Missing bill_month."}"""),
            new(422, "The wallet does not cover the amount.", """{"error":"Insufficient balance."}"""),
            BadService,
            new(500, "The request could not be processed.", """{"error":"Transaction failed"}"""),
        ]),
        new("status_check", "The order's status: Processing, Success (with token_number) or Cancelled (with cancel_note, refunded).",
            [new("order_number", true, "TST-AB12CD34EF56", "From submit.")],
        [
            new(200, "The order.", "{\"success\":true," + Order + ",\"debit_amount\":\"500.00\",\"total_amount\":\"500.00\",\"response\":\"Bill payment request submitted\"}"),
            Missing,
            new(404, "No such order of yours.", """{"error":"Transaction not found."}"""),
        ]),
        new("bill_inquiry", "The amount due, asked from the biller before paying (IAK services only).",
            [ProviderId, ServiceId, MeterNumber, BillMonth, ContactNumber],
        [
            new(200, "The bill.", """{"success":true,"customer_name":"Customer Name","period":"202604","bill_amount":"500.00","admin_fee":"2.50","total_amount":"502.50"}"""),
            Missing, MissingModule, BadService,
            new(422, "Not an IAK service, or the biller refused.", """{"error":"Bill inquiry is not available for this service."}"""),
            new(502, "The biller did not answer.", """{"error":"The biller did not answer the inquiry. Try again later."}"""),
        ]),
    ];
}
