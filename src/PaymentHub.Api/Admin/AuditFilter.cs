using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.Extensions.Options;
using PaymentHub.Data;

namespace PaymentHub.Admin;

/// <summary>Records every state-changing admin call: who (admin key), what (route, arguments, outcome), when.</summary>
public sealed class AuditFilter(PaymentHubDbContext db, TimeProvider clock, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var result = await next(context);
        var http = context.HttpContext;
        if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method))
        {
            return result;
        }

        var statusCode = result is IStatusCodeHttpResult { StatusCode: { } code } ? code : http.Response.StatusCode;
        var requestBodies = context.Arguments
            .Where(a => a is not null && a.GetType().Name.EndsWith("Request", StringComparison.Ordinal))
            .ToList();
        var idText = http.User.FindFirstValue(ClaimTypes.NameIdentifier);
        db.ChangeTracker.Clear();
        db.AuditLog.Add(new AuditLogEntry
        {
            AdminKeyId = int.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null,
            Actor = http.User.Identity?.Name ?? "unknown",
            Action = $"{http.Request.Method} {(http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? http.Request.Path.Value}",
            Target = Truncate(http.Request.Path.Value, 200),
            Details = Truncate(requestBodies.Count == 0 ? null : JsonSerializer.Serialize(requestBodies, json.Value.SerializerOptions), 4000),
            StatusCode = statusCode,
            RemoteIp = http.Connection.RemoteIpAddress?.ToString(),
            At = clock.GetUtcNow().UtcDateTime,
        });
        await db.SaveChangesAsync(http.RequestAborted);
        return result;
    }

    private static string? Truncate(string? text, int max) => text is null || text.Length <= max ? text : text[..max];
}
