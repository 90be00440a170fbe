using System.Text;
using PaymentHub.Connectors;
using PaymentHub.Tests.Connectors.Iak;
using PaymentHub.Tests.Infrastructure;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace PaymentHub.Tests.Connectors.Resilience;

/// <summary>
/// Upstream reply bodies are untrusted bytes: whatever charset they name and however large they are, reading them never
/// throws past the clients' classification. The reader against a real (in-process) WireMock, then IAK end to end.
/// </summary>
public sealed class UpstreamReplyBodyTests(IakFixture iak) : IClassFixture<IakFixture>
{
    private static async Task<UpstreamReplyBody> ReadAsync(string name, IResponseBuilder response)
    {
        await using var scope = await WireMockScope.StartAsync(name);
        scope.Given(Request.Create().UsingGet().WithPath(new ExactMatcher($"/{scope.Prefix}/body"))).RespondWith(response);
        using var http = new HttpClient();
        using var reply = await http.GetAsync(scope.BaseUrl + "/body", HttpCompletionOption.ResponseHeadersRead);
        return await UpstreamReplies.ReadBodyAsync(reply, CancellationToken.None);
    }

    private static IResponseBuilder Reply(string contentType, byte[] body) =>
        Response.Create().WithStatusCode(200).WithHeader("Content-Type", contentType).WithBody(body);

    [Theory]
    [InlineData("application/json; charset=bogus-xx")]
    [InlineData("application/json; charset=\"x-unknown-9\"")]
    [InlineData("application/json; charset=utf-7")]
    public async Task A_charset_nobody_knows_is_a_problem_not_an_exception(string contentType)
    {
        var body = await ReadAsync("charset-bogus", Reply(contentType, """{"data":{"response_code":"00"}}"""u8.ToArray()));
        Assert.False(body.IsReadable);
        Assert.StartsWith("unsupported charset", body.Problem);
        Assert.Equal("", body.Text);
    }

    [Theory]
    [InlineData("application/json", "{\"name\":\"Dhaka \u09e7\"}")]
    [InlineData("application/json; charset=UTF-8", "{\"name\":\"Dhaka \u09e7\"}")]
    [InlineData("application/json; charset=\"utf-8\"", "{\"name\":\"Dhaka \u09e7\"}")]
    [InlineData("application/json; charset=us-ascii", "{\"name\":\"Dhaka \u09e7\"}")]
    public async Task Utf8_bodies_are_read_whatever_utf8_compatible_charset_they_name(string contentType, string json)
    {
        var body = await ReadAsync("charset-utf8", Reply(contentType, [.. Encoding.UTF8.Preamble, .. Encoding.UTF8.GetBytes(json)]));
        Assert.Null(body.Problem);
        Assert.Equal(json, body.Text);
        Assert.Equal("Dhaka \u09e7", JsonFields.Text(JsonFields.TryParse(body.Text)!.Value, "name"));
    }

    [Fact]
    public async Task Latin1_is_decoded_and_invalid_utf8_becomes_replacement_characters()
    {
        var latin1 = await ReadAsync("charset-latin1", Reply("text/plain; charset=iso-8859-1", [0x63, 0x61, 0x66, 0xE9]));
        Assert.Equal("caf\u00e9", latin1.Text);
        var broken = await ReadAsync("charset-broken", Reply("application/json", [0x7B, 0xFF, 0xFE, 0x7D]));
        Assert.Null(broken.Problem);
        Assert.Equal("{\uFFFD\uFFFD}", broken.Text);
    }

    [Fact]
    public async Task A_body_over_one_mebibyte_is_a_problem_whether_announced_or_chunked()
    {
        var big = Encoding.ASCII.GetBytes("{\"x\":\"" + new string('a', UpstreamReplies.MaxBytes) + "\"}");
        var announced = await ReadAsync("big-length", Reply("application/json", big));
        Assert.Contains("limit", announced.Problem);
        var chunked = await ReadAsync("big-chunked", Reply("application/json", big).WithChunkedDribble(8, 200));
        Assert.Contains("limit", chunked.Problem);
        Assert.Equal("", chunked.Text);
        var justFits = await ReadAsync("fits", Reply("application/json", new byte[UpstreamReplies.MaxBytes]));
        Assert.Null(justFits.Problem);
    }

    [Fact]
    public async Task A_body_of_many_reads_comes_out_whole_and_each_reply_holds_only_its_own_bytes()
    {
        // Several times the reader's pooled copy buffer, a two-byte character every 16 KiB, and two replies one after
        // the other with different contents: nothing of the first may show in the second, and nothing is lost or added.
        foreach (var fill in new[] { 'a', 'b' })
        {
            var text = "{\"x\":\"" + string.Concat(Enumerable.Repeat(new string(fill, 16 * 1024 - 1) + "\u00e9", 6)) + "\"}";
            var body = await ReadAsync($"many-reads-{fill}", Reply("application/json", Encoding.UTF8.GetBytes(text)));
            Assert.Null(body.Problem);
            Assert.Equal(text, body.Text);
        }
    }

    [Fact]
    public async Task An_iak_inquiry_answered_with_a_bogus_charset_is_asked_again_and_the_bill_paid_once()
    {
        await using var t = await iak.StartAsync("inq_bogus_charset", "inquiry-bogus-charset-then-success", "pay-success");
        var final = await t.WaitForFinalAsync(await t.SubmitAsync());
        Assert.Equal("Success", final["status"]!.GetValue<string>());
        Assert.Equal(IakHarness.Funding - IakHarness.BillTotal, await t.Shop.BalanceAsync());
        await t.AssertCallsAsync(inquiries: 2, payments: 1, statusChecks: 0);
        Assert.Contains("unsupported charset 'bogus-xx'", t.ReadTestLog());
    }

    [Fact]
    public async Task Bill_inquiry_answered_with_a_bogus_charset_is_a_clear_502_and_charges_nothing()
    {
        await using var t = await iak.StartAsync("bill_inquiry_bogus_charset", "inquiry-bogus-charset");
        var (status, body) = await t.Shop.BillAsync("bill_inquiry", ("provider_id", IakHarness.Id(t.ProviderId)),
            ("service_id", IakHarness.Id(t.ServiceId)), ("meter_number", "530000000001"));
        Assert.Equal(502, status);
        Assert.Equal("The biller did not answer the inquiry. Try again later.", body["error"]!.GetValue<string>());
        Assert.Equal(IakHarness.Funding, await t.Shop.BalanceAsync());
        // A readable HTTP 200 is not retried by the pipeline: one inquiry, nothing else.
        await t.AssertCallsAsync(inquiries: 1, payments: 0, statusChecks: 0);
    }
}
