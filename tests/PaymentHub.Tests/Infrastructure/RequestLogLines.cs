using System.Text.Json.Nodes;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>The request lines of a test gateway's JSON-lines log file (one per request, written by Serilog's request logging).</summary>
public static class RequestLogLines
{
    private const string Source = "Serilog.AspNetCore.RequestLoggingMiddleware";

    /// <summary>
    /// The <c>Properties</c> of every request line written so far, or only of those written after <paramref name="since"/>
    /// (a <see cref="PaymentHubApp.LogLength"/> taken earlier, so that a test on a shared gateway reads its own lines).
    /// </summary>
    public static List<JsonObject> Read(PaymentHubApp app, long since = 0) =>
        app.ReadLogSince(since).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => JsonNode.Parse(line)!["Properties"]!.AsObject())
            .Where(p => p["SourceContext"]?.GetValue<string>() == Source)
            .ToList();

    /// <summary>
    /// Waits until <paramref name="count"/> request lines match (a line is written as the request ends, which can be a moment
    /// after the client has read the reply), then returns the matching lines; fails with the lines seen otherwise.
    /// </summary>
    public static async Task<List<JsonObject>> WaitForAsync(PaymentHubApp app, Func<JsonObject, bool> match, int count = 1, long since = 0)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var lines = Read(app, since).Where(match).ToList();
            if (lines.Count >= count || DateTime.UtcNow > deadline)
            {
                return lines.Count >= count
                    ? lines
                    : throw new Xunit.Sdk.XunitException($"Expected {count} matching request lines, found {lines.Count}: "
                                                         + string.Join("\n", lines.Select(l => l.ToJsonString())));
            }
            await Task.Delay(100);
        }
    }

    public static int? ResellerId(JsonObject line) => line["ResellerId"]?.GetValue<int>();
}
