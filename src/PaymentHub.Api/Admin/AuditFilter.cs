using System.Text.Json;
using Microsoft.Extensions.Options;
using PaymentHub.Data;

namespace PaymentHub.Admin;

/// <summary>
/// Records every state-changing admin call with the status its result answers. It runs before validation, so a
/// refused body is audited too; a call that throws is audited by the error handling with the details kept here.
/// </summary>
public sealed class AuditFilter(PaymentHubDbContext db, TimeProvider clock, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!AdminAudit.IsPending(http))
        {
            return await next(context);
        }
        // Only the request bodies (records named *Request): never a reply, which is where new secrets travel.
        var requestBodies = context.Arguments
            .Where(a => a is not null && a.GetType().Name.EndsWith("Request", StringComparison.Ordinal))
            .ToList();
        AdminAudit.RememberDetails(http, requestBodies.Count == 0 ? null : JsonSerializer.Serialize(requestBodies, json.Value.SerializerOptions));

        var result = await next(context);
        await AdminAudit.WriteAsync(http, db, clock, StatusOf(result));
        return result;
    }

    /// <summary>The status a handler's result answers with: typed results say it; a union (Results&lt;…&gt;) holds one.</summary>
    public static int StatusOf(object? result) => result switch
    {
        INestedHttpResult nested => StatusOf(nested.Result),
        IStatusCodeHttpResult { StatusCode: { } code } => code,
        _ => StatusCodes.Status200OK,
    };
}
