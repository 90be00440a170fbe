using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PaymentHub.Infrastructure;

/// <summary>The reseller API keeps nurr's error shape: <c>{"error": "...", ...}</c>.</summary>
public static class ResellerResults
{
    public static IResult Error(int statusCode, string message, string? field = null)
    {
        var body = new JsonObject { ["error"] = message };
        if (field is not null)
        {
            body["field"] = field;
        }
        return Error(statusCode, body);
    }

    public static IResult Error(int statusCode, JsonObject body) =>
        Results.Content(body.ToJsonString(), "application/json; charset=utf-8", Encoding.UTF8, statusCode);

    public static IResult Reply(int statusCode, JsonObject body) => Error(statusCode, body);

    /// <summary>A reply already serialised (kept for idempotent replays).</summary>
    public static IResult RawJson(int statusCode, string json) =>
        Results.Content(json, "application/json; charset=utf-8", Encoding.UTF8, statusCode);

    public static async Task WriteErrorAsync(HttpContext http, int statusCode, string message)
    {
        http.Response.StatusCode = statusCode;
        http.Response.ContentType = "application/json; charset=utf-8";
        await http.Response.WriteAsync(JsonSerializer.Serialize(new { error = message }));
    }
}
