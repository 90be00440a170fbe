using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using PaymentHub.Infrastructure;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace PaymentHub.Hosting;

/// <summary>
/// Replaces each reseller-API endpoint's single operation by one operation per action, keyed
/// <c>/api/bill-payment.php?action=submit</c>: nurr's API tells its actions apart by the query string, which OpenAPI
/// paths cannot, and Swagger UI's "Try it out" keeps a query string written in the path. Each carries its form fields
/// (<c>api_key</c> and <c>api_secret</c> first) as an <c>application/x-www-form-urlencoded</c> schema and its replies.
/// </summary>
public sealed class ResellerApiDocumentFilter : IDocumentFilter
{
    public const string FormMediaType = "application/x-www-form-urlencoded";

    private static readonly ResellerFormField[] Credentials =
    [
        new("api_key", true, "YOUR_API_KEY", "Your API key."),
        new("api_secret", true, "YOUR_SECRET_KEY", "Your API secret (shown once when the key was created)."),
    ];

    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        ArgumentNullException.ThrowIfNull(swaggerDoc);
        ArgumentNullException.ThrowIfNull(context);
        foreach (var description in context.ApiDescriptions)
        {
            if (description.ActionDescriptor.EndpointMetadata.OfType<ResellerApiDocumentation>().FirstOrDefault() is not { } documentation)
            {
                continue;
            }
            var path = "/" + description.RelativePath;
            if (!swaggerDoc.Paths.TryGetValue(path, out var item) || item.Operations?.GetValueOrDefault(HttpMethod.Post) is not { } template)
            {
                continue;
            }
            swaggerDoc.Paths.Remove(path);
            foreach (var action in documentation.Actions)
            {
                var key = action.Action is null ? path : $"{path}?action={action.Action}";
                swaggerDoc.Paths[key] = new OpenApiPathItem
                {
                    Operations = new Dictionary<HttpMethod, OpenApiOperation> { [HttpMethod.Post] = Operation(template, action) },
                };
            }
        }
    }

    private static OpenApiOperation Operation(OpenApiOperation template, ResellerActionDoc action)
    {
        var fields = Credentials.Concat(action.Fields).ToList();
        var operation = new OpenApiOperation
        {
            Tags = template.Tags,
            OperationId = $"{template.OperationId}_{action.Action ?? "send"}",
            Summary = action.Action is null ? $"(no action) {action.Summary}" : $"action={action.Action}: {action.Summary}",
            RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Description = "Form fields (nurr's API takes no JSON).",
                Content = new Dictionary<string, IOpenApiMediaType>
                {
                    [FormMediaType] = new OpenApiMediaType
                    {
                        Schema = new OpenApiSchema
                        {
                            Type = JsonSchemaType.Object,
                            Properties = fields.ToDictionary(f => f.Name, f => (IOpenApiSchema)new OpenApiSchema
                            {
                                Type = JsonSchemaType.String,
                                Description = f.Description,
                                Examples = [JsonValue.Create(f.Example)],
                            }),
                            Required = fields.Where(f => f.Required).Select(f => f.Name).ToHashSet(),
                        },
                    },
                },
            },
            Responses = [],
        };
        foreach (var status in action.Replies.Concat(ResellerApiDocsExtensions.Common).GroupBy(r => r.Status).OrderBy(g => g.Key))
        {
            operation.Responses[status.Key.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new OpenApiResponse
            {
                Description = string.Join(" / ", status.Select(r => r.Meaning)),
                Content = new Dictionary<string, IOpenApiMediaType>
                {
                    ["application/json"] = new OpenApiMediaType
                    {
                        Examples = status.Select((reply, i) => (reply, i)).ToDictionary(
                            r => $"{status.Key}_{r.i + 1}",
                            r => (IOpenApiExample)new OpenApiExample { Summary = r.reply.Meaning, Value = JsonNode.Parse(r.reply.Body) }),
                    },
                },
            };
        }
        return operation;
    }
}

/// <summary>The Bearer requirement on the operations that need an admin key (the /admin/v1 group's authorization), and only there.</summary>
public sealed class AdminSecurityOperationFilter : IOperationFilter
{
    public const string SchemeName = "Bearer";

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        if (context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().Any())
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, context.Document)] = [] }];
        }
    }
}
