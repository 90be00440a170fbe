using System.Net;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>Twelve settlers of one order at once (admin calls), for the tests that an order is settled exactly once.</summary>
public static class SettlerRace
{
    /// <summary>Whether settler <paramref name="settler"/> makes <paramref name="first"/> of two moves: all do, or every other one when <paramref name="moves"/> is "both".</summary>
    public static bool MakesFirst(string moves, string first, int settler) => moves == first || (moves == "both" && settler % 2 == 0);

    /// <summary>Sends the settlers' calls at once: exactly one gets <paramref name="settled"/>, the other eleven 409.</summary>
    public static async Task AssertOneSettlesAsync(Func<int, Task<HttpResponseMessage>> settle, HttpStatusCode settled)
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(settle));
        var codes = responses.Select(r => r.StatusCode).ToList();
        foreach (var response in responses)
        {
            response.Dispose();
        }
        Assert.Equal(1, codes.Count(c => c == settled));
        Assert.Equal(11, codes.Count(c => c == HttpStatusCode.Conflict));
    }
}
