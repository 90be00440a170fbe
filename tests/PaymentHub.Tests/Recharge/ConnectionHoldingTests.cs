using System.Globalization;
using PaymentHub.Tests.Connectors.Nurr;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace PaymentHub.Tests.Recharge;

/// <summary>
/// A recharge waiting on its upstream holds no database connection, also on a pooled context an earlier request used:
/// that request's explicit open used to be left to the pool's reset, whose asynchronous form (EF Core) keeps the open
/// count, so every later request on the context kept its connection to its end, upstream call included
/// (<c>PaymentHub.Data.HeldConnection</c>).
/// </summary>
public sealed class ConnectionHoldingTests
{
    private const int PoolSize = 3;
    private const int Recharges = 2 * PoolSize;

    [Fact]
    public async Task Recharges_waiting_on_the_upstream_do_not_hold_the_pools_connections()
    {
        await using var nurr = await NurrHarness.StartAsync("held_connection", new Dictionary<string, string?>
        {
            // The upstream answers only when the test lets it; no attempt may give up before that.
            ["Connectors:Nurr:AttemptTimeoutSeconds"] = "30",
            ["Connectors:Nurr:TimeoutSeconds"] = "40",
            ["Recharge:ResolveAfterSeconds"] = "120",
        }, connectionOptions: $"Maximum Pool Size={PoolSize}");

        // Bill submits first, many at once, so that the recharges below run on pooled contexts a submit has used.
        var (providerId, serviceId) = await nurr.App.CreateServiceAsync(connector: "manual");
        var submits = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => nurr.Shop.BillAsync("submit",
            ("provider_id", NurrHarness.Id(providerId)), ("service_id", NurrHarness.Id(serviceId)), ("amount", "10"),
            ("meter_number", "12345678"), ("bill_month", "2026-11"), ("contact_number", "01712345678"))));
        Assert.All(submits, s => Assert.Equal(200, s.Status));

        var arrived = 0;
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        nurr.Upstream.Given(Request.Create().UsingPost().WithPath($"/{nurr.Upstream.Prefix}{NurrHarness.RechargePath}"))
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(async request =>
            {
                Interlocked.Increment(ref arrived);
                await answer.Task;
                var phone = System.Web.HttpUtility.ParseQueryString(request.Body ?? "")["phone"]!;
                return NurrHarness.RechargeReply("Success", "GP-TX-" + phone[^4..], phone: phone);
            }));

        var recharges = Enumerable.Range(0, Recharges)
            .Select(i => nurr.RechargeAsync(phone: "0171000" + i.ToString("0000", CultureInfo.InvariantCulture))).ToList();
        try
        {
            // With connections held across the upstream call, the recharges that hold the pool's connections keep the others
            // from reaching it while it waits (4 of the 6 reached it before HeldConnection).
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (Volatile.Read(ref arrived) < Recharges && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
            Assert.Equal(Recharges, Volatile.Read(ref arrived));
        }
        finally
        {
            answer.SetResult();
        }

        foreach (var (status, body) in await Task.WhenAll(recharges))
        {
            Assert.True(status == 200, body.ToJsonString());
            Assert.Equal("Success", body["status"]!.GetValue<string>());
        }
        Assert.Equal(NurrHarness.StartBalance - 20 * 10m - Recharges * NurrHarness.RechargeDebit, await nurr.Shop.BalanceAsync());
        await nurr.App.AssertLedgerOkAsync();
    }
}
