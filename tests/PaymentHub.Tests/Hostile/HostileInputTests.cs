using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Hostile;

/// <summary>
/// Every case of <see cref="HostileCases"/> against one gateway: the exact 4xx, the documented body (the reseller API's
/// <c>{"error"}</c>, the admin API's ProblemDetails, a payment page), the security headers, no stack trace and no error
/// logged, and not one row written anywhere (the audit log aside). The fixture checks the ledger at the end.
/// </summary>
[RunsLong(130)]
public sealed partial class HostileInputTests(HostileFixture fixture) : IClassFixture<HostileFixture>
{
    public static IEnumerable<object[]> Cases => HostileCases.Names;

    [Fact]
    public void The_tables_make_hundreds_of_cases() => Assert.True(HostileCases.All.Count >= 300, $"{HostileCases.All.Count} cases");

    [Fact]
    public async Task The_write_notes_see_a_write_that_changes_no_value()
    {
        await fixture.ChangedTablesAsync();
        // A new row version of the shop, nothing else: what a case that wrote anything would leave.
        Assert.Equal(1, await Sql.ExecuteAsync(fixture.App, $"update resellers set name = name where id = {fixture.Shop.Id}"));
        Assert.Equal(["resellers"], await fixture.ChangedTablesAsync());
        Assert.Empty(await fixture.ChangedTablesAsync());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Hostile_input_is_refused_cleanly_and_changes_nothing(string name)
    {
        var c = HostileCases.All[name];
        using var request = new HttpRequestMessage(c.Method, fixture.Resolve(c.Path)) { Content = c.Body(fixture) };
        // Each case on its own connection: after refusing an oversized body the gateway may close the connection it
        // came on, and a pooled connection reused by the next case then ends before that case's answer.
        request.Headers.ConnectionClose = true;
        if (request.Content?.Headers.ContentLength is > 100 * 1024)
        {
            // The gateway answers 413 and closes the connection without reading a megabyte: a client that waits for
            // "100 Continue" before sending gets that answer instead of a reset while it is still writing.
            request.Headers.ExpectContinue = true;
        }
        if (c.AsAdmin)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Infrastructure.PaymentHubApp.AdminKey);
        }
        using var response = await fixture.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var said = $"{name}: HTTP {(int)response.StatusCode} {response.Content.Headers.ContentType} {Shorten(text)}";
        // Taken before any assertion, so that a case that wrote is the one that fails (and the next one starts afresh).
        var changed = await fixture.ChangedTablesAsync();
        var log = fixture.NewLogText();

        Assert.True(c.Expect.Status == (int)response.StatusCode, said);
        SecurityHeaders.Assert(response, said);
        Assert.DoesNotContain("   at ", text);
        Assert.False(TypeName().IsMatch(text), $"A C# type name in the reply. {said}");
        if (c.NotEchoed is { } echo)
        {
            Assert.DoesNotContain(echo, text);
        }
        switch (c.Expect.Shape)
        {
            case Reply.ResellerJson:
            {
                Assert.True(response.Content.Headers.ContentType?.MediaType == "application/json", said);
                var body = JsonNode.Parse(text)!.AsObject();
                Assert.True(body["error"]?.GetValueKind() == JsonValueKind.String, said);
                Assert.True(body["success"] is null, said);
                if (c.Expect.Error is { } error)
                {
                    Assert.True(error == body["error"]!.GetValue<string>(), said);
                }
                if (c.Expect.Field is { } field)
                {
                    Assert.True(field == body["field"]?.GetValue<string>(), said);
                }
                break;
            }
            case Reply.Problem:
            {
                Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", said);
                var body = JsonNode.Parse(text)!.AsObject();
                Assert.True(body["title"]?.GetValueKind() == JsonValueKind.String, said);
                Assert.True(body["status"]?.GetValue<int>() == c.Expect.Status, said);
                if (c.Expect.Title is { } title)
                {
                    Assert.True(title == body["title"]!.GetValue<string>(), said);
                }
                if (c.Expect.Field is { } field)
                {
                    Assert.True(body["errors"]?.AsObject().Any(e => string.Equals(e.Key, field, StringComparison.OrdinalIgnoreCase)) == true, said);
                }
                break;
            }
            case Reply.HtmlPage:
                Assert.True(response.Content.Headers.ContentType?.MediaType == "text/html", said);
                Assert.Contains("Payment not found", text);
                Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
                break;
        }
        Assert.False(response.Headers.Contains("Set-Cookie"), said);

        Assert.True(changed.Count == 0, $"Written: {string.Join(", ", changed)}. {said}");
        Assert.False(log.Contains("\"Level\":\"Error\"", StringComparison.Ordinal) || log.Contains("\"Level\":\"Fatal\"", StringComparison.Ordinal)
                     || log.Contains("\"Exception\":", StringComparison.Ordinal), $"Logged as an error: {Shorten(log, 2000)}. {said}");
        // What the client sent reaches a log line without control characters (a CR/LF would forge a console line).
        foreach (var line in log.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var properties = JsonNode.Parse(line)!["Properties"]!.AsObject();
            foreach (var key in new[] { "Path", "Action" })
            {
                if (properties[key]?.GetValueKind() == JsonValueKind.String)
                {
                    Assert.False(properties[key]!.GetValue<string>().Any(char.IsControl), $"{key} logged with a control character. {said}");
                }
            }
        }
    }

    private static string Shorten(string text, int max = 400) => text.Length <= max ? text : text[..max] + "...";

    /// <summary>What the framework's own messages would leak: "CreateResellerRequest request", "System.Decimal", "PaymentHub.…", "Int32".</summary>
    [GeneratedRegex(@"[A-Za-z]Request\b|System\.|PaymentHub\.|\bInt32\b|\bDecimal\b|\bint\?", RegexOptions.CultureInvariant)]
    private static partial Regex TypeName();
}
