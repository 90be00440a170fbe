using PaymentHub.Infrastructure;

namespace PaymentHub.Resellers;

/// <summary>The actions an endpoint of the reseller API answers (<c>?action=</c>); null or "" stands for no action at all.</summary>
public sealed class ResellerActions(params string?[] allowed)
{
    public bool Allows(string? action) => allowed.Contains(action);
}

/// <summary>
/// Reseller authentication for the <c>/api</c> group, as the admin group has its scheme: the form is read once and its
/// api_key / api_secret checked before the handler runs, which then declares the <see cref="ResellerForm"/> and
/// <see cref="AuthenticatedReseller"/> it needs. It runs before parameter binding (an endpoint filter would run after),
/// so the checks keep nurr's order: an unknown action, then the body (size, type, charset), then the credentials.
/// </summary>
public static class ResellerAuthentication
{
    private sealed class RequiredMarker;

    public static RouteGroupBuilder RequireResellerAuthentication(this RouteGroupBuilder group) => group.WithMetadata(new RequiredMarker());

    public static RouteHandlerBuilder WithResellerActions(this RouteHandlerBuilder endpoint, params string?[] actions) =>
        endpoint.WithMetadata(new ResellerActions(actions));

    /// <summary>After the charset guard, rate limiter and admin authentication: the last step before the endpoint.</summary>
    public static IApplicationBuilder UseResellerAuthentication(this IApplicationBuilder app) => app.UseMiddleware<Middleware>();

    private sealed class Middleware(RequestDelegate next)
    {
        public async Task InvokeAsync(HttpContext http, ResellerAuthenticator authenticator)
        {
            if (http.GetEndpoint()?.Metadata is { } metadata && metadata.GetMetadata<RequiredMarker>() is not null
                && await AuthenticateAsync(http, metadata, authenticator) is { } refusal)
            {
                await refusal.ExecuteAsync(http);
                return;
            }
            await next(http);
        }
    }

    private static async Task<IResult?> AuthenticateAsync(HttpContext http, EndpointMetadataCollection metadata, ResellerAuthenticator authenticator)
    {
        // The same reading of ?action= as a handler's [FromQuery] string? parameter (repeated values joined by commas).
        var action = (string?)http.Request.Query["action"];
        if (metadata.GetMetadata<ResellerActions>() is { } actions && !actions.Allows(action))
        {
            return ResellerResults.Error(StatusCodes.Status400BadRequest, "Invalid action.");
        }
        var (form, reseller, error) = await authenticator.AuthenticateAsync(http, http.RequestAborted);
        if (error is not null)
        {
            return error;
        }
        http.Features.Set(form!);
        http.Features.Set(reseller!);
        return null;
    }
}
