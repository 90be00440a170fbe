using System.Reflection;
using Xunit.Abstractions;

[assembly: TestCollectionOrderer("PaymentHub.Tests.Infrastructure.LongestFirstOrderer", "PaymentHub.Tests")]

namespace PaymentHub.Tests.Infrastructure;

/// <summary>
/// Marks a test class that takes far longer than most (its whole run, in seconds, as seen in a full run), so that it
/// starts among the first. Only a handful of classes need it; an estimate is enough.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class RunsLongAttribute(int seconds) : Attribute
{
    public int Seconds { get; } = seconds;
}

/// <summary>
/// Starts the longest test classes first. xunit runs at most <c>maxParallelThreads</c> classes at a time, in the order
/// given here; by default that order is arbitrary, and a two-minute class that happened to start last kept the run going
/// alone for its last minute and a half. Longest first, the short classes fill the gaps at the end instead.
/// </summary>
public sealed class LongestFirstOrderer : ITestCollectionOrderer
{
    private const string DefaultCollectionPrefix = "Test collection for ";

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderByDescending(ExpectedSeconds).ThenBy(c => c.DisplayName, StringComparer.Ordinal).ToList();

    private static int ExpectedSeconds(ITestCollection collection)
    {
        // A class without a [Collection] is a collection of its own, named after the class.
        if (!collection.DisplayName.StartsWith(DefaultCollectionPrefix, StringComparison.Ordinal))
        {
            return 0;
        }
        var type = typeof(LongestFirstOrderer).Assembly.GetType(collection.DisplayName[DefaultCollectionPrefix.Length..]);
        return type?.GetCustomAttribute<RunsLongAttribute>()?.Seconds ?? 0;
    }
}
