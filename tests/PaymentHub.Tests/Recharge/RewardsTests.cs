using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Recharge;

public sealed class RewardsTests(GatewayFixture fixture) : GatewayTest(fixture, "recharge_rewards"), IClassFixture<GatewayFixture>
{

    protected override async Task SeedAsync()
    {
        using var admin = App.Admin();
        foreach (var code in new[] { "GP", "BL", "RB" })
        {
            Assert.Equal(200, (int)(await admin.PatchAsync($"/admin/v1/operators/{code}", JsonContent.Create(new { connector = "sandbox" }))).StatusCode);
        }
    }

    private static async Task<JsonNode> Recharge(TestReseller shop, string phone, string amount, string op) =>
        (await shop.PostFormAsync("/api/mobile-recharge.php", [("phone", phone), ("amount", amount), ("operator", op)])).Body;

    [Fact]
    public async Task Points_accumulate_and_levels_follow_lifetime_points()
    {
        using (var admin = App.Admin())
        {
            Assert.Equal(200, (int)(await admin.PutAsJsonAsync("/admin/v1/rewards/levels/2", new { name = "Gold", min_lifetime_points = 1.0m })).StatusCode);
        }
        var shop = await App.CreateResellerAsync(1_000m);
        var first = (await Recharge(shop, "01812345678", "100", "RB"))["reward"]!["points"]!;
        Assert.Equal(0.50m, first["points"]!.GetValue<decimal>());
        Assert.Equal("silver", first["new_level_key"]!.GetValue<string>());
        var second = (await Recharge(shop, "01812345678", "100", "RB"))["reward"]!["points"]!;
        Assert.Equal(2, second["new_level_id"]!.GetValue<int>());
        Assert.Equal("gold", second["new_level_key"]!.GetValue<string>());
        var account = await App.WithDbAsync(db => db.ResellerRewardAccounts.SingleAsync(a => a.ResellerId == shop.Id));
        Assert.Equal(1.00m, account.LifetimePoints);

        var failed = await Recharge(shop, "01812340000", "100", "RB");
        Assert.Null(failed["reward"]);
        Assert.Equal(1.00m, (await App.WithDbAsync(db => db.ResellerRewardAccounts.SingleAsync(a => a.ResellerId == shop.Id))).LifetimePoints);
    }

    [Fact]
    public async Task Concurrent_successes_of_one_reseller_never_lose_points_whether_or_not_its_reward_account_exists()
    {
        var shop = await App.CreateResellerAsync(10_000m);
        // 0.5% of 100 = 0.50 points a recharge; the first wave races to create the account, the second to update it.
        foreach (var wave in new[] { 1, 2 })
        {
            var replies = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
                Recharge(shop, $"0181234{wave}{i:D3}", "100", "RB")));
            Assert.All(replies, reply =>
            {
                Assert.Equal("Success", reply["status"]!.GetValue<string>());
                Assert.True(reply["reward"]!["ok"]!.GetValue<bool>(), reply.ToJsonString());
            });
            var account = await App.WithDbAsync(db => db.ResellerRewardAccounts.AsNoTracking().SingleAsync(a => a.ResellerId == shop.Id));
            Assert.Equal(wave * 16 * 0.50m, account.LifetimePoints);
            Assert.Equal(wave * 16 * 0.50m, account.Points);
        }
        Assert.DoesNotContain("Rewards for recharge", App.ReadLog());
    }

    [Fact]
    public async Task Cashback_is_credited_once_per_eligible_recharge_within_its_rules()
    {
        var now = DateTime.UtcNow;
        await CreateFixedOfferAsync("GP weekend", "GP", 50m, 5m, now.AddHours(-1), now.AddDays(1), maxPerDay: 1);
        await CreateFixedOfferAsync("Expired", null, 0m, 50m, now.AddDays(-10), now.AddDays(-1), maxPerDay: 10);
        var shop = await App.CreateResellerAsync(1_000m);

        var tooSmall = (await Recharge(shop, "01712345678", "40", "GP"))["reward"]!["cashback"]!;
        Assert.Equal("No eligible active offer found", tooSmall["message"]!.GetValue<string>());
        var otherOperator = (await Recharge(shop, "01912345678", "60", "BL"))["reward"]!["cashback"]!;
        Assert.Equal("No eligible active offer found", otherOperator["message"]!.GetValue<string>());

        var before = await shop.BalanceAsync();
        var eligible = await Recharge(shop, "01712345678", "60", "GP");
        var cashback = eligible["reward"]!["cashback"]!;
        Assert.True(cashback["ok"]!.GetValue<bool>());
        Assert.Equal("5.00", cashback["amount"]!.GetValue<string>());
        // Debit 60 - 0.60 commission, then 5.00 cashback back into the wallet.
        Assert.Equal(before - 59.40m + 5m, await shop.BalanceAsync());

        var secondToday = (await Recharge(shop, "01712345678", "60", "GP"))["reward"]!["cashback"]!;
        Assert.Equal("No eligible active offer found", secondToday["message"]!.GetValue<string>());
        Assert.Equal(1, await App.WithDbAsync(db => db.CashbackGrants.CountAsync(g => g.ResellerId == shop.Id)));
    }

    [Fact]
    public async Task Concurrent_recharges_of_one_reseller_never_take_an_offer_past_its_daily_cap()
    {
        // BL from 500 only, so that no other test of this class meets the offer. The settlements of one reseller queue
        // on its reward account's row lock, and each counts the day's grants after the one before it committed.
        var now = DateTime.UtcNow;
        await CreateFixedOfferAsync("BL big recharges", "BL", 500m, 3m, now.AddHours(-1), now.AddDays(1), maxPerDay: 2);
        var shop = await App.CreateResellerAsync(10_000m);

        var replies = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Recharge(shop, $"01912{i:D3}678", "500", "BL")));
        Assert.All(replies, reply => Assert.Equal("Success", reply["status"]!.GetValue<string>()));
        Assert.Equal(2, replies.Count(reply => reply["reward"]!["cashback"]!["message"]!.GetValue<string>() == "Cashback credited"));
        Assert.Equal(2, await App.WithDbAsync(db => db.CashbackGrants.CountAsync(g => g.ResellerId == shop.Id)));
        // 16 debits of 500 less the 1% commission, and two cashbacks of 3.
        Assert.Equal(10_000m - 16 * 495m + 6m, await shop.BalanceAsync());
    }

    [Fact]
    public async Task A_failing_reward_step_never_fails_the_recharge()
    {
        var shop = await App.CreateResellerAsync(100m);
        await ExecuteAsync("ALTER TABLE reward_levels RENAME TO reward_levels_gone");
        JsonNode body;
        try
        {
            body = await Recharge(shop, "01812345678", "20", "RB");
        }
        finally
        {
            await ExecuteAsync("ALTER TABLE reward_levels_gone RENAME TO reward_levels");
        }
        Assert.Equal("Success", body["status"]!.GetValue<string>());
        Assert.False(body["reward"]!["ok"]!.GetValue<bool>());
        Assert.False(string.IsNullOrEmpty(body["reward"]!["message"]!.GetValue<string>()));
        Assert.Equal(80.20m, await shop.BalanceAsync());
        Assert.False(await App.WithDbAsync(db => db.ResellerRewardAccounts.AnyAsync(a => a.ResellerId == shop.Id)));
    }

    private Task<int> ExecuteAsync(string sql) => Sql.ExecuteAsync(App, sql);

    private Task CreateFixedOfferAsync(
        string name, string? operatorCode, decimal minAmount, decimal value, DateTime validFrom, DateTime validUntil, int maxPerDay) =>
        App.AdminPostAsync("/admin/v1/cashback-offers", new
        {
            name, operator_code = operatorCode, min_amount = minAmount, type = "fixed", value,
            valid_from = validFrom, valid_until = validUntil, max_per_reseller_per_day = maxPerDay,
        }, 201);

    [Fact]
    public async Task Offers_are_validated()
    {
        using var admin = App.Admin();
        var bad = await admin.PostAsJsonAsync("/admin/v1/cashback-offers", new
        {
            name = "Bad", min_amount = 10m, type = "bonus", value = 0m, valid_from = DateTime.UtcNow, valid_until = DateTime.UtcNow.AddDays(-1),
            max_per_reseller_per_day = 0,
        });
        Assert.Equal(400, (int)bad.StatusCode);
        var text = await bad.Content.ReadAsStringAsync();
        Assert.Contains("Type", text);
        Assert.Contains("ValidUntil", text);
    }
}
