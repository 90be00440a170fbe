using Microsoft.Extensions.Options;
using PaymentHub.Infrastructure;

namespace PaymentHub.Tests.Infrastructure;

public sealed class OrderNumbersTests
{
    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    [Fact]
    public void A_number_is_the_prefix_and_twelve_letters_of_the_alphabet_each_as_likely_as_the_others()
    {
        var numbers = new OrderNumbers(Options.Create(new OrderOptions { NumberPrefix = "NURR-" }));
        var drawn = Enumerable.Range(0, 4000).Select(_ => numbers.Next()).ToList();

        Assert.All(drawn, n => Assert.Matches(@"\ANURR-[A-HJ-NP-Z2-9]{12}\z", n));
        Assert.Equal(drawn.Count, drawn.Distinct(StringComparer.Ordinal).Count());
        // 48,000 characters: each of the 32 letters is expected 1,500 times at every position together, and about 125
        // times at each of the twelve positions. A letter missing or a position stuck (bits reused) fails.
        var counts = drawn.SelectMany(n => n[5..]).GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(Alphabet.Order(), counts.Keys.Order());
        Assert.All(counts.Values, count => Assert.InRange(count, 1_200, 1_800));
        for (var position = 5; position < 17; position++)
        {
            Assert.True(drawn.Select(n => n[position]).Distinct().Count() >= 28, $"position {position} is not random");
        }
    }
}
