using System.Net.Http.Json;
using System.Data.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Data;
using PaymentHub.Recharge;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Bills;

/// <summary>
/// Resellers' clients hang up: a timeout, a closed app, a dropped mobile connection. A request cut off at any moment
/// leaves a whole order (debit, journal, order row) or nothing, and is no error of ours: an operator reading the log
/// must not find an Error line for a client that went away.
/// </summary>
public sealed class ClientHangUpTests
{
    [Fact]
    public async Task Submits_and_recharges_cut_off_at_any_moment_leave_whole_orders_or_none_and_no_error_line()
    {
        // Every COMMIT takes 30 ms, as a durable one waits for its disk: a hang-up lands in one often.
        var requests = new RequestCounts();
        await using var app = await PaymentHubApp.StartAsync("client_hang_up", kestrel: true, services: services =>
        {
            services.ConfigureDbContext<PaymentHubDbContext>(options => options.AddInterceptors(new SlowCommits()));
            services.AddSingleton<IStartupFilter>(new CountRequests(requests));
        });
        using (var admin = app.Admin())
        {
            var routed = await admin.PatchAsync("/admin/v1/operators/GP", JsonContent.Create(new { connector = "sandbox" }));
            Assert.Equal(200, (int)routed.StatusCode);
        }
        const decimal funding = 100_000m;
        var shop = await app.CreateResellerAsync(funding);
        var (providerId, serviceId) = await app.CreateServiceAsync();
        var logStart = app.LogLength;

        // A fixed pseudo-random mix of submits and recharges, each given 1 to 150 ms before its client hangs up.
        var random = new Random(20261203);
        var plan = Enumerable.Range(0, 200).Select(i => (Index: i, Recharge: random.Next(2) == 0, HangUpMs: random.Next(1, 151))).ToList();
        var hungUp = 0;
        var answered = 0;
        await Parallel.ForEachAsync(plan, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (op, _) =>
        {
            (string Key, string Value)[] fields = op.Recharge
                ? [("phone", $"0171{op.Index:D4}123"), ("amount", "20"), ("operator", "GP")]
                : [("provider_id", $"{providerId}"), ("service_id", $"{serviceId}"), ("amount", "25"), ("meter_number", $"7{op.Index:D7}"),
                   ("bill_month", "2026-11"), ("contact_number", "01712345678")];
            var path = op.Recharge ? "/api/mobile-recharge.php" : "/api/bill-payment.php?action=submit";
            using var hangUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(op.HangUpMs));
            try
            {
                await shop.PostFormAsync(path, fields, cancel: hangUp.Token);
                Interlocked.Increment(ref answered);
            }
            catch (OperationCanceledException) when (hangUp.IsCancellationRequested)
            {
                // The client hung up, as planned: what the gateway did with the request is checked below.
                Interlocked.Increment(ref hungUp);
            }
        });
        Assert.True(hungUp > 0, $"no request was cut off ({answered} answered): the test checked nothing");

        // The gateway finishes (or drops) what it had in hand: wait until the orders stop changing.
        await WaitUntilSettledAsync(app, shop.Id, requests);
        Assert.True(requests.Started >= answered, $"the request counter saw {requests.Started} requests, fewer than the {answered} answered");
        var billDebits = await app.WithDbAsync(db => db.BillOrders.Where(o => o.ResellerId == shop.Id).SumAsync(o => o.DebitAmount));
        var rechargeDebits = await app.WithDbAsync(db => db.RechargeOrders
            .Where(o => o.ResellerId == shop.Id && o.Status != RechargeStatus.Failed).SumAsync(o => o.DebitAmount));
        // The ledger first: a debit without its order would show there, and tell a defect from a late request.
        await app.AssertLedgerOkAsync();
        Assert.Equal(funding - billDebits - rechargeDebits, await shop.BalanceAsync());

        var errors = app.ReadLogSince(logStart).Split('\n')
            .Where(line => line.Contains("\"Level\":\"Error\"", StringComparison.Ordinal) || line.Contains("\"Level\":\"Fatal\"", StringComparison.Ordinal))
            .ToList();
        Assert.True(errors.Count == 0, $"{errors.Count} error lines for clients that hung up ({hungUp} of {plan.Count}):\n{string.Join('\n', errors.Take(3))}");
    }

    private sealed class SlowCommits : DbTransactionInterceptor
    {
        public override async ValueTask<InterceptionResult> TransactionCommittingAsync(
            DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
        {
            await Task.Delay(30, cancellationToken);
            return result;
        }
    }

    private sealed class RequestCounts
    {
        public int Started;
        public int Finished;

        public bool NoneInFlight => Volatile.Read(ref Started) == Volatile.Read(ref Finished);
    }

    /// <summary>
    /// Counts the requests inside the gateway's pipeline: one whose client hung up goes on to its end (a placement is never
    /// cut short), and on a loaded machine it may stall for longer than the orders' counts take to look settled.
    /// </summary>
    private sealed class CountRequests(RequestCounts counts) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, rest) =>
            {
                Interlocked.Increment(ref counts.Started);
                try
                {
                    await rest(context);
                }
                finally
                {
                    Interlocked.Increment(ref counts.Finished);
                }
            });
            next(app);
        };
    }

    private static async Task WaitUntilSettledAsync(PaymentHubApp app, int resellerId, RequestCounts requests)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            var now = await app.WithDbAsync(async db =>
                $"{await db.BillOrders.CountAsync(o => o.ResellerId == resellerId)}/{await db.RechargeOrders.CountAsync(o => o.ResellerId == resellerId)}/" +
                $"{await db.RechargeOrders.CountAsync(o => o.ResellerId == resellerId && o.Status == RechargeStatus.Processing)}");
            if (now == last && requests.NoneInFlight)
            {
                return;
            }
            last = now;
            await Task.Delay(500);
        }
        Assert.Fail($"The orders were still changing, or requests still in the gateway, after 15 s ({last}; {requests.Started} requests started, {requests.Finished} finished).");
    }
}
