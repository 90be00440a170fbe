using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PaymentHub.Recharge;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Recharge;

/// <summary>
/// The cashback offer list each successful recharge consults, on a gateway whose clock the test moves: an offer written by
/// another instance (here, straight into the database) counts once the list ages out, a deactivation counts at once, and
/// a change through this instance's admin API counts at once. (SQLite: SqliteDefaultTests.)
/// </summary>
public sealed class ActiveOfferCacheTests
{
    private const string NoOffer = "No eligible active offer found";

    [Fact]
    public async Task Offers_from_elsewhere_count_after_the_time_to_live_deactivations_at_once_and_this_instances_changes_at_once()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await PaymentHubApp.StartAsync("offer_cache",
            new Dictionary<string, string?> { ["Catalog:CacheSeconds"] = "5" }, services => services.AddSingleton<TimeProvider>(clock));
        using (var admin = app.Admin())
        {
            Assert.Equal(200, (int)(await admin.PatchAsync("/admin/v1/operators/GP", JsonContent.Create(new { connector = "sandbox" }))).StatusCode);
        }
        var shop = await app.CreateResellerAsync(1_000m);
        Assert.Equal((NoOffer, null), await CashbackAsync(shop));

        var now = clock.GetUtcNow().UtcDateTime;
        var elsewhere = await app.WithDbAsync(async db =>
        {
            var offer = new CashbackOffer
            {
                Name = "From another instance", MinAmount = 0m, Type = CashbackType.Fixed, Value = 5m, ValidFrom = now.AddHours(-1),
                ValidUntil = now.AddDays(1), MaxPerResellerPerDay = 100, IsActive = true, CreatedAt = now,
            };
            db.CashbackOffers.Add(offer);
            await db.SaveChangesAsync();
            return offer.Id;
        });
        Assert.Equal((NoOffer, null), await CashbackAsync(shop));
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(("Cashback credited", "5.00"), await CashbackAsync(shop));

        // The list still names it, but it is read again before it pays.
        await app.WithDbAsync(db => db.CashbackOffers.Where(o => o.Id == elsewhere).ExecuteUpdateAsync(s => s.SetProperty(o => o.IsActive, false)));
        Assert.Equal((NoOffer, null), await CashbackAsync(shop));

        await app.AdminPostAsync("/admin/v1/cashback-offers", new
        {
            name = "From this instance", operator_code = "GP", min_amount = 0m, type = "fixed", value = 7m,
            valid_from = now.AddHours(-1), valid_until = now.AddDays(1), max_per_reseller_per_day = 100,
        }, 201);
        Assert.Equal(("Cashback credited", "7.00"), await CashbackAsync(shop));
        Assert.Equal(12m, await app.WithDbAsync(db => db.CashbackGrants.Where(g => g.ResellerId == shop.Id).SumAsync(g => g.Amount)));
        await app.AssertLedgerOkAsync();
    }

    private static async Task<(string Message, string? Amount)> CashbackAsync(TestReseller shop)
    {
        var (status, body) = await shop.PostFormAsync("/api/mobile-recharge.php", [("phone", "01712345678"), ("amount", "100"), ("operator", "GP")]);
        Assert.True(status == 200 && body["status"]!.GetValue<string>() == "Success", body.ToJsonString());
        var cashback = body["reward"]!["cashback"]!;
        return (cashback["message"]!.GetValue<string>(), cashback["amount"]?.GetValue<string>());
    }
}
