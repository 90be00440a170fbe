namespace PaymentHub.Infrastructure;

/// <summary>One form field of a reseller-API action, as nurr's documentation lists it.</summary>
public sealed record ResellerFormField(string Name, bool Required, string Example, string Description);

/// <summary>A reply an action can give: its HTTP status, what it means, and a body as nurr's seed shows it (JSON text).</summary>
public sealed record ResellerReplyExample(int Status, string Meaning, string Body);

/// <summary>
/// One action of a reseller-API endpoint (<c>?action=</c>; null for the endpoint without one): its form fields and replies.
/// <c>api_key</c> and <c>api_secret</c> are added to every action's fields by the document filter.
/// </summary>
public sealed record ResellerActionDoc(
    string? Action, string Summary, IReadOnlyList<ResellerFormField> Fields, IReadOnlyList<ResellerReplyExample> Replies);

/// <summary>Endpoint metadata: the actions of a reseller-API endpoint, for the API description (see Hosting/ResellerApiDocumentFilter).</summary>
public sealed class ResellerApiDocumentation(IReadOnlyList<ResellerActionDoc> actions)
{
    public IReadOnlyList<ResellerActionDoc> Actions { get; } = actions;
}

public static class ResellerApiDocsExtensions
{
    public static RouteHandlerBuilder WithResellerDocs(this RouteHandlerBuilder endpoint, IReadOnlyList<ResellerActionDoc> actions) =>
        endpoint.WithMetadata(new ResellerApiDocumentation(actions));

    /// <summary>The replies every action shares: an unknown action, bad credentials, too many requests.</summary>
    public static IReadOnlyList<ResellerReplyExample> Common { get; } =
    [
        new(400, "Action missing or unknown.", """{"error":"Invalid action."}"""),
        new(401, "api_key or api_secret wrong (or the reseller is suspended).", """{"error":"Invalid API credentials."}"""),
        new(415, "The body is not a form (application/x-www-form-urlencoded or multipart/form-data).", """{"error":"Unsupported content type. Send the parameters as form data (application/x-www-form-urlencoded or multipart/form-data)."}"""),
        new(429, "Too many requests from this address.", """{"error":"Too many requests. Slow down and retry."}"""),
    ];
}
