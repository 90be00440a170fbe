using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Hostile;

/// <summary>
/// The other side of the hostile suite: what is documented as accepted still works (utf-8, us-ascii and iso-8859-1
/// bodies, multipart text parts, surrounding ASCII spaces, enum names in any case), and a refused admin body says what
/// is wrong in words, without a C# type name and without an error in the log.
/// </summary>
public sealed class AcceptedInputTests(GatewayFixture fixture) : GatewayTest(fixture, "accepted_input"), IClassFixture<GatewayFixture>
{
    private TestReseller _shop = null!;
    private int _providerId;
    private int _serviceId;

    protected override async Task SeedAsync()
    {
        (_providerId, _serviceId) = await App.CreateServiceAsync(connector: "manual");
        _shop = await App.CreateResellerAsync(5_000m);
    }

    private async Task<(int Status, JsonNode Body)> SubmitRawAsync(string contentType, byte[] body)
    {
        using var client = App.CreateClient();
        using var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var response = await client.PostAsync("/api/bill-payment.php?action=submit", content);
        return ((int)response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private string Fields(string meter, string amount = "500") =>
        $"api_key={_shop.ApiKey}&api_secret={_shop.ApiSecret}&provider_id={_providerId}&service_id={_serviceId}&amount={amount}" +
        $"&meter_number={meter}&bill_month=2026-04&contact_number=01711111111";

    [Theory]
    [InlineData("application/x-www-form-urlencoded; charset=ISO-8859-1", "caf%E9", "caf\u00e9")]
    [InlineData("application/x-www-form-urlencoded; charset=iso-8859-1", "caf\u00e9", "caf\u00e9")]
    [InlineData("application/x-www-form-urlencoded; charset=utf-8", "caf%C3%A9", "caf\u00e9")]
    [InlineData("application/x-www-form-urlencoded; charset=\"UTF-8\"", "%E0%A6%A2%E0%A6%BE%E0%A6%95%E0%A6%BE", "\u09a2\u09be\u0995\u09be")]
    [InlineData("application/x-www-form-urlencoded; charset=us-ascii", "meter+42", "meter 42")]
    [InlineData("application/x-www-form-urlencoded", "100%", "100%")]
    public async Task Accepted_charsets_are_decoded_as_declared(string contentType, string meter, string stored)
    {
        // The raw bytes of the body in the declared charset (a literal é in the iso-8859-1 case is the single byte 0xE9).
        var (status, body) = await SubmitRawAsync(contentType, Encoding.Latin1.GetBytes(Fields(meter)));
        Assert.True(status == 200, body.ToJsonString());
        Assert.Equal(stored, body["module_data"]!["meter_number"]!.GetValue<string>());
    }

    [Fact]
    public async Task Multipart_text_parts_in_an_accepted_charset_are_read()
    {
        const string boundary = "b0undary";
        var parts = new StringBuilder();
        void Part(string name, string value, string? type)
        {
            parts.Append($"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n");
            if (type is not null)
            {
                parts.Append($"Content-Type: {type}\r\n");
            }
            parts.Append($"\r\n{value}\r\n");
        }
        Part("api_key", _shop.ApiKey, null);
        Part("api_secret", _shop.ApiSecret, "text/plain; charset=UTF-8");
        Part("provider_id", $"{_providerId}", "text/plain");
        Part("service_id", $"{_serviceId}", "text/plain; charset=us-ascii");
        Part("amount", "250.50", null);
        Part("meter_number", "\u09e7\u09e8\u09e9", "text/plain; charset=utf-8");
        Part("bill_month", "2026-04", null);
        Part("contact_number", "01711111111", null);
        parts.Append($"--{boundary}--\r\n");
        var (status, body) = await SubmitRawAsync($"multipart/form-data; boundary={boundary}", Encoding.UTF8.GetBytes(parts.ToString()));
        Assert.True(status == 200, body.ToJsonString());
        Assert.Equal("250.50", body["amount"]!.GetValue<string>());
        Assert.Equal("\u09e7\u09e8\u09e9", body["module_data"]!["meter_number"]!.GetValue<string>());
    }

    [Fact]
    public async Task Surrounding_ascii_spaces_are_trimmed_from_every_field()
    {
        var (status, body) = await _shop.BillAsync("submit", ("provider_id", $" {_providerId} "), ("service_id", $"{_serviceId} "), ("amount", "  500.25 "),
            ("meter_number", " 123 "), ("bill_month", " 2026-04"), ("contact_number", "01711111111 "));
        Assert.True(status == 200, body.ToJsonString());
        Assert.Equal("500.25", body["amount"]!.GetValue<string>());
        Assert.Equal("123", body["module_data"]!["meter_number"]!.GetValue<string>());
    }

    [Fact]
    public async Task Enum_names_in_any_case_still_work_in_bodies_and_filters()
    {
        var reseller = await App.CreateResellerAsync(0m, "Case Shop");
        using var admin = App.Admin();
        using var body = new ByteArrayContent("""{"status":"SUSPENDED"}"""u8.ToArray());
        body.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=\"utf-8\"");
        using var patched = await admin.PatchAsync($"/admin/v1/resellers/{reseller.Id}", body);
        Assert.Equal(200, (int)patched.StatusCode);
        Assert.Equal("suspended", JsonNode.Parse(await patched.Content.ReadAsStringAsync())!["status"]!.GetValue<string>());
        Assert.Equal(200, (int)(await admin.GetAsync("/admin/v1/orders?status=processing")).StatusCode);
        Assert.Equal(200, (int)(await admin.GetAsync("/admin/v1/topups?status=review&gateway=ShurjoPay")).StatusCode);
    }

    [Theory]
    [InlineData("{not json", "The request body is not valid JSON", null)]
    [InlineData("""{"name":5}""", "The request body is not valid JSON", "'$.name'")]
    [InlineData("""{"name":"a","name":"b"}""", "The request body is not valid JSON", "'$.name'")]
    [InlineData("", "The request body is missing", "Send a JSON object")]
    public async Task An_unreadable_admin_body_is_named_in_words_and_not_logged_as_an_error(string json, string title, string? detail)
    {
        var logFrom = App.LogLength;
        using var admin = App.Admin();
        using var response = await admin.PostAsync("/admin/v1/resellers", new StringContent(json, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(400, (int)response.StatusCode);
        var problem = JsonNode.Parse(text)!;
        Assert.Equal(title, problem["title"]!.GetValue<string>());
        if (detail is not null)
        {
            Assert.Contains(detail, problem["detail"]!.GetValue<string>());
        }
        Assert.DoesNotContain("CreateResellerRequest", text);
        Assert.DoesNotContain("System.", text);
        Assert.Equal(0, await App.WithDbAsync(db => db.Resellers.CountAsync(r => r.Name == "a" || r.Name == "b")));
        var log = App.ReadLogSince(logFrom);
        Assert.Contains("responded 400", log);
        Assert.DoesNotContain("\"Level\":\"Error\"", log);
        Assert.DoesNotContain("BadHttpRequestException", log);
    }

    [Fact]
    public async Task A_bad_query_value_names_the_parameter_not_its_type()
    {
        var logFrom = App.LogLength;
        var problem = await App.AdminGetAsync("/admin/v1/orders?limit=ten", 400);
        Assert.Equal("Invalid parameter", problem["title"]!.GetValue<string>());
        Assert.Equal("The value of 'limit' is not valid.", problem["detail"]!.GetValue<string>());
        Assert.DoesNotContain("\"Level\":\"Error\"", App.ReadLogSince(logFrom));
    }
}
