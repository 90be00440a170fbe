using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Catalog;
using PaymentHub.Data;
using PaymentHub.Fulfilment;
using PaymentHub.Infrastructure;

namespace PaymentHub.Connectors.Iak;

public sealed record IakProductReply(
    string Code, string Name, string? Type, string? Category, decimal? AdminFee, decimal? IakCommission, string Status, bool Listed,
    DateTime FirstSyncedAt, DateTime SyncedAt, DateTime? DelistedAt);

/// <param name="Count">How many products IAK listed.</param>
/// <param name="Added">How many of them were new here.</param>
/// <param name="Delisted">Codes this sync found missing from IAK's list (now inactive).</param>
/// <param name="Products">The listed products as now stored.</param>
public sealed record IakPriceListSyncReply(
    DateTime SyncedAt, int Count, int Added, IReadOnlyList<string> Delisted, IReadOnlyList<IakProductReply> Products);

/// <summary>A bill service on the IAK connector for one synced product; the product code comes from the URL.</summary>
public sealed record CreateIakServiceRequest(
    int ProviderId, string? Name, string? Logo, List<string> ModuleFields, string? CustomerNumberField, decimal MinAmount, decimal MaxAmount,
    decimal? Fee, decimal? Commission, string? Status)
{
    public CreateServiceRequest ToServiceRequest(SyncedIakProduct product) => new(
        Name ?? product.Name[..Math.Min(product.Name.Length, 100)], Logo, ModuleFields ?? [], MinAmount, MaxAmount, Fee ?? 0m, Commission ?? 0m,
        ConnectorNames.Iak, product.Code, CustomerNumberField, Status);
}

public static class IakAdminApi
{
    public static RouteGroupBuilder MapIakAdminApi(this RouteGroupBuilder adminApi)
    {
        var group = adminApi.MapGroup("/connectors/iak").WithTags("Connectors: IAK");
        group.MapPost("/price-list/sync", SyncPriceListAsync)
            .WithSummary("Fetches IAK's postpaid price list (all products, active or not) and stores it.")
            .WithDescription("Upserts every listed product by code (name, type, category, IAK's admin fee and commission, status). A product " +
                             "stored earlier that IAK no longer lists is kept as inactive with delisted_at set. An empty list from IAK changes " +
                             "nothing (502). The reply lists what IAK sent, as stored, and the codes this sync delisted.")
            .Produces<IakPriceListSyncReply>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status502BadGateway);
        group.MapGet("/products", ListProductsAsync)
            .WithSummary("The IAK products of the last price-list sync.")
            .WithDescription("Filters: status (active, inactive; delisted products are inactive), type (IAK's type, e.g. pln, pdam, bpjs). " +
                             "admin_fee is IAK's fee, already inside the amount IAK asks for; iak_commission is what IAK pays us per payment.")
            .Produces<List<IakProductReply>>()
            .ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapPost("/products/{code}/services", CreateServiceFromProductAsync)
            .WithSummary("Creates a bill service on the IAK connector for a synced, active product.")
            .WithDescription("The service gets connector 'iak' and connector_product_code = {code}; name defaults to IAK's product name. " +
                             "Give provider_id, module_fields (the first one, or customer_number_field, carries IAK's customer number), " +
                             "min_amount and max_amount; fee and commission (yours, to the reseller) default to 0, since IAK's admin fee is " +
                             "already part of the bill amount IAK asks for. 404 when the product was never synced, 409 when IAK lists it " +
                             "as non active or no longer lists it. The service can then be changed like any other (PATCH /services/{id}).")
            .Produces<ServiceAdminReply>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return adminApi;
    }

    /// <summary>A product as IAK lists it now (listed again if it had been delisted).</summary>
    private static void Refresh(SyncedIakProduct product, IakProduct item, DateTime now)
    {
        product.Name = Truncate(item.Name, SyncedIakProductLimits.Name)!;
        product.Type = Truncate(item.Type, SyncedIakProductLimits.Kind);
        product.Category = Truncate(item.Category, SyncedIakProductLimits.Kind);
        product.AdminFee = item.Fee;
        product.IakCommission = item.Commission;
        product.Status = item.Active ? IakProductStatus.Active : IakProductStatus.Inactive;
        product.SyncedAt = now;
        product.DelistedAt = null;
    }

    public static async Task<Results<Ok<IakPriceListSyncReply>, ProblemHttpResult>> SyncPriceListAsync(
        IakBillConnector connector, IakClient iak, PaymentHubDbContext db, TimeProvider clock, CancellationToken ct)
    {
        if (!connector.IsEnabled)
        {
            return NotConfigured();
        }
        var list = await iak.PriceListAsync(ct);
        if (list.Outcome != IakOutcome.Success)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "IAK did not return its price list.", detail: list.Message);
        }
        var listed = list.Products.Where(p => p.Code.Length <= SyncedIakProductLimits.Code)
            .GroupBy(p => p.Code, StringComparer.Ordinal).Select(g => g.First()).ToList();
        if (listed.Count == 0)
        {
            // "status: all" never lists nothing; taking an empty list at its word would delist every product.
            return TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "IAK returned an empty price list.",
                detail: "Nothing was changed.");
        }

        // Whole microseconds, as PostgreSQL keeps them, so that the reply and a later listing show the same instant.
        var now = clock.GetUtcNow().UtcDateTime;
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
        var stored = await db.Set<SyncedIakProduct>().ToDictionaryAsync(p => p.Code, StringComparer.Ordinal, ct);
        var added = 0;
        foreach (var item in listed)
        {
            if (!stored.TryGetValue(item.Code, out var product))
            {
                product = new SyncedIakProduct { Code = item.Code, Name = "", FirstSyncedAt = now };
                db.Add(product);
                stored[item.Code] = product;
                added++;
            }
            Refresh(product, item, now);
        }
        var listedCodes = listed.Select(p => p.Code).ToHashSet(StringComparer.Ordinal);
        var delisted = stored.Values.Where(p => !listedCodes.Contains(p.Code) && p.DelistedAt is null).OrderBy(p => p.Code, StringComparer.Ordinal).ToList();
        foreach (var product in delisted)
        {
            product.Status = IakProductStatus.Inactive;
            product.DelistedAt = now;
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (DbErrors.IsUniqueViolation(ex))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Another price-list sync ran at the same time.",
                detail: "Nothing was changed by this one; sync again.");
        }
        return TypedResults.Ok(new IakPriceListSyncReply(now, listed.Count, added, delisted.Select(p => p.Code).ToList(),
            listed.Select(p => ToReply(stored[p.Code])).ToList()));
    }

    public static async Task<Results<Ok<List<IakProductReply>>, ProblemHttpResult>> ListProductsAsync(
        PaymentHubDbContext db, CancellationToken ct, string? status = null, string? type = null)
    {
        var query = db.Set<SyncedIakProduct>().AsNoTracking();
        if (status is not null)
        {
            if (!EnumNames.TryParse<IakProductStatus>(status, out var parsed))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid status", detail: "Use active or inactive.");
            }
            query = query.Where(p => p.Status == parsed);
        }
        if (type is not null)
        {
            query = query.Where(p => p.Type == type);
        }
        var products = await query.OrderBy(p => p.Code).ToListAsync(ct);
        return TypedResults.Ok(products.Select(ToReply).ToList());
    }

    public static async Task<Results<Created<ServiceAdminReply>, ValidationProblem, ProblemHttpResult>> CreateServiceFromProductAsync(
        string code, CreateIakServiceRequest request, IakBillConnector connector, IValidator<CreateServiceRequest> validator,
        PaymentHubDbContext db, ConnectorRegistry connectors, TimeProvider clock, CancellationToken ct)
    {
        if (!connector.IsEnabled)
        {
            return NotConfigured();
        }
        var product = await db.Set<SyncedIakProduct>().AsNoTracking().FirstOrDefaultAsync(p => p.Code == code, ct);
        if (product is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown IAK product",
                detail: $"No synced IAK product has the code '{code}'. Sync the price list first (POST /admin/v1/connectors/iak/price-list/sync).");
        }
        if (product.Status != IakProductStatus.Active)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "IAK product not active",
                detail: product.DelistedAt is null
                    ? $"IAK lists '{code}' as non active."
                    : $"IAK no longer lists '{code}' (since the sync of {product.DelistedAt:yyyy-MM-dd HH:mm} UTC).");
        }
        var serviceRequest = request.ToServiceRequest(product);
        var validation = await validator.ValidateAsync(serviceRequest, ct);
        if (!validation.IsValid)
        {
            return TypedResults.ValidationProblem(validation.ToDictionary());
        }
        var created = await CatalogAdminApi.CreateServiceAsync(request.ProviderId, serviceRequest, db, connectors, clock, ct);
        return created.Result switch
        {
            Created<ServiceAdminReply> service => service,
            ProblemHttpResult problem => problem,
            _ => throw new InvalidOperationException($"Unexpected result {created.Result.GetType().Name}."),
        };
    }

    private static ProblemHttpResult NotConfigured() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "The IAK connector is not configured.",
            detail: "Set Connectors:Iak:BaseUrl, Username and ApiKey.");

    private static IakProductReply ToReply(SyncedIakProduct p) => new(
        p.Code, p.Name, p.Type, p.Category, p.AdminFee, p.IakCommission, p.Status.ToString().ToLowerInvariant(), p.DelistedAt is null,
        p.FirstSyncedAt, p.SyncedAt, p.DelistedAt);

    private static string? Truncate(string? text, int max) => text is null || text.Length <= max ? text : text[..max];
}
