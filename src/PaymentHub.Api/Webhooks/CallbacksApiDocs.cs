using PaymentHub.Infrastructure;

namespace PaymentHub.Webhooks;

/// <summary>The actions of <c>/api/callbacks.php</c> (for Swagger).</summary>
public static class CallbacksApiDocs
{
    private const string Endpoint = """
        {"id":7,"reseller_id":3,"url":"https://shop.example.com/paymenthub/callback","events":["bill.succeeded","bill.cancelled"],"status":"enabled","disabled_reason":null,"disabled_at":null,"previous_secret_expires_at":null,"created_at":"2026-04-01T10:00:00Z"}
        """;

    private static readonly ResellerFormField CallbackId = new("callback_id", true, "7", "The id callback_create or callback_list gave.");
    private static readonly ResellerReplyExample MissingId = new(422, "callback_id is missing.", """{"error":"Missing required parameters.","field":"callback_id"}""");
    private static readonly ResellerReplyExample BadId = new(422, "callback_id is not a number.", """{"error":"Invalid callback_id.","field":"callback_id"}""");
    private static readonly ResellerReplyExample NotFound = new(404, "No such callback of yours.", """{"error":"Callback not found."}""");

    public static IReadOnlyList<ResellerActionDoc> Actions { get; } =
    [
        new("callback_create", "Registers an HTTPS endpoint for the events listed. The signing secret is shown in this reply only; at most 10 endpoints.",
        [
            new("url", true, "https://shop.example.com/paymenthub/callback", "An absolute https:// URL (at most 500 characters) on a public address."),
            new("events", true, "bill.succeeded,bill.cancelled", "Comma-separated: " + string.Join(", ", WebhookEvents.All) + "; or * for all."),
        ],
        [
            new(200, "Registered.", """{"success":true,"callback":{"id":7,"reseller_id":3,"url":"https://shop.example.com/paymenthub/callback","events":["bill.succeeded","bill.cancelled"],"status":"enabled","signing_secret":"whsec_…","created_at":"2026-04-01T10:00:00Z"}}"""),
            new(422, "url or events is missing.", """{"error":"Missing required parameters.","field":"url"}"""),
            new(422, "An event name is unknown.", """{"error":"Invalid events.","field":"events","allowed_events":["bill.succeeded","bill.cancelled","recharge.succeeded","recharge.failed","topup.completed","topup.failed","wallet.credited","wallet.debited"]}"""),
            new(422, "The url is refused.", """{"error":"The url must use https.","field":"url"}"""),
            new(422, "Ten endpoints already.", """{"error":"A reseller can have at most 10 callback endpoints."}"""),
        ]),
        new("callback_list", "Your endpoints (never their secrets).", [], [new(200, "The endpoints.", $$"""{"success":true,"callbacks":[{{Endpoint}}]}""")]),
        new("callback_rotate", "A new signing secret (shown once); the previous one keeps signing alongside it for Webhooks:SecretOverlapHours.",
            [CallbackId],
        [
            new(200, "Rotated.", """{"success":true,"callback":{"id":7,"signing_secret":"whsec_…","previous_secret_expires_at":"2026-04-02T10:00:00Z"}}"""),
            MissingId, BadId, NotFound,
        ]),
        new("callback_delete", "Deletes the endpoint with its deliveries.", [CallbackId],
            [new(200, "Deleted.", """{"success":true}"""), MissingId, BadId, NotFound]),
        new("callback_enable", "Turns an endpoint disabled after failing for too long back on; failed deliveries stay failed until redelivered.",
            [CallbackId], [new(200, "Enabled.", $$"""{"success":true,"callback":{{Endpoint}}}"""), MissingId, BadId, NotFound]),
        new("callback_deliveries", "The endpoint's latest 50 deliveries, newest first, each with its attempts.", [CallbackId],
        [
            new(200, "The deliveries.", """{"success":true,"deliveries":[{"event_id":"evt_0123456789abcdef0123456789abcdef","type":"bill.succeeded","order_key":"TST-AB12CD34EF56","status":"delivered","attempts":1,"created_at":"2026-04-01T10:00:00Z","next_attempt_at":null,"delivered_at":"2026-04-01T10:00:01Z","last_status_code":200,"last_error":null,"attempt_log":[{"attempted_at":"2026-04-01T10:00:01Z","succeeded":true,"status_code":200,"latency_ms":84,"response":"ok","error":null}]}]}"""),
            MissingId, BadId, NotFound,
        ]),
        new("callback_redeliver", "Sends one event again (event_id), or every failed delivery written since a time (since).",
        [
            CallbackId,
            new("event_id", false, "evt_0123456789abcdef0123456789abcdef", "One event, as callback_deliveries lists it."),
            new("since", false, "2026-04-01 00:00:00", "Instead of event_id: every failed delivery written since then (yyyy-MM-dd HH:mm:ss, UTC)."),
        ],
        [
            new(200, "Queued again.", """{"success":true,"redelivered":1}"""),
            new(422, "Neither event_id nor since.", """{"error":"Missing required parameters.","field":"event_id"}"""),
            new(422, "event_id malformed.", """{"error":"Invalid event_id.","field":"event_id"}"""),
            new(422, "since malformed.", """{"error":"Invalid since (use yyyy-MM-dd HH:mm:ss, UTC).","field":"since"}"""),
            MissingId, BadId, NotFound,
            new(409, "The endpoint is disabled.", """{"error":"This callback is disabled; enable it first."}"""),
        ]),
    ];
}
