namespace PaymentHub.Connectors.Iak;

public sealed record IakPriceListReply(int Count, IReadOnlyList<IakProduct> Products);

public static class IakAdminApi
{
    public static RouteGroupBuilder MapIakAdminApi(this RouteGroupBuilder adminApi)
    {
        var group = adminApi.MapGroup("/connectors/iak").WithTags("Connectors: IAK");
        group.MapPost("/price-list/sync", SyncPriceListAsync)
            .WithSummary("Fetches IAK's postpaid price list (all products, active or not) and returns it.")
            .Produces<IakPriceListReply>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status502BadGateway);
        return adminApi;
    }

    public static async Task<IResult> SyncPriceListAsync(IakBillConnector connector, IakClient iak, CancellationToken ct)
    {
        if (!connector.IsEnabled)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "The IAK connector is not configured.",
                detail: "Set Connectors:Iak:BaseUrl, Username and ApiKey.");
        }
        var list = await iak.PriceListAsync(ct);
        if (list.Outcome != IakOutcome.Success)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "IAK did not return its price list.", detail: list.Message);
        }
        return TypedResults.Ok(new IakPriceListReply(list.Products.Count, list.Products));
    }
}
