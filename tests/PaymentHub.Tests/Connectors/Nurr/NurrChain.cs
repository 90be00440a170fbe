using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Connectors.Nurr;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Connectors.Nurr;

/// <summary>
/// Two PaymentHub instances chained: "downstream" routes GP and BL recharges (and services on connector nurr) to
/// "upstream" through the nurr connector, over the upstream's real HTTP pipeline. Each keeps its own ledger; both must balance.
/// </summary>
public sealed class NurrChain : IAsyncDisposable
{
    public required PaymentHubApp Upstream { get; init; }
    public required PaymentHubApp Downstream { get; init; }
    /// <summary>The downstream hub's reseller account at the upstream.</summary>
    public required TestReseller HubAccount { get; init; }
    public required int UpstreamProvider { get; init; }
    public required int UpstreamService { get; init; }

    /// <remarks>
    /// The downstream keeps the default Recharge:ResolveAfterSeconds (60 s). A recharge whose forward comes back unknown is
    /// due for its status query 2 s later whatever that setting says; a short one would only let the reconciler take over a
    /// recharge whose first forward is still on its way (slow on a loaded machine), and the reseller would see Processing.
    /// </remarks>
    public static async Task<NurrChain> StartAsync(string name, IDictionary<string, string?>? downstreamSettings = null)
    {
        var upstream = await PaymentHubApp.StartAsync(name + "_upstream");
        await RouteOperatorsAsync(upstream, "sandbox");
        var (provider, service) = await upstream.CreateServiceAsync(connector: "sandbox", moduleFields: "meter_number,bill_month");
        var hubAccount = await upstream.CreateResellerAsync(1_000m, "Downstream Hub");

        var upstreamHandler = upstream.Server.CreateHandler();
        var settings = new Dictionary<string, string?>
        {
            ["Connectors:Nurr:BaseUrl"] = "http://upstream.test/",
            ["Connectors:Nurr:ApiKey"] = hubAccount.ApiKey,
            ["Connectors:Nurr:ApiSecret"] = hubAccount.ApiSecret,
        };
        foreach (var (key, value) in downstreamSettings ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        var downstream = await PaymentHubApp.StartAsync(name + "_downstream", settings,
            services => services.AddHttpClient(NurrClient.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => upstreamHandler));
        await RouteOperatorsAsync(downstream, "nurr");
        return new NurrChain
        {
            Upstream = upstream, Downstream = downstream, HubAccount = hubAccount, UpstreamProvider = provider, UpstreamService = service,
        };
    }

    private static async Task RouteOperatorsAsync(PaymentHubApp app, string connector)
    {
        using var admin = app.Admin();
        foreach (var code in new[] { "GP", "BL" })
        {
            using var patched = await admin.PatchAsync($"/admin/v1/operators/{code}", JsonContent.Create(new { connector }));
            Assert.Equal(200, (int)patched.StatusCode);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Downstream.AssertLedgerOkAsync();
            await Upstream.AssertLedgerOkAsync();
        }
        finally
        {
            await Downstream.DisposeAsync();
            await Upstream.DisposeAsync();
        }
    }
}
