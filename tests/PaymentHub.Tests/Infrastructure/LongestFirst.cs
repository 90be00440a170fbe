using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestCollectionOrderer("PaymentHub.Tests.Infrastructure.LongestFirstOrderer", "PaymentHub.Tests")]
[assembly: TestFramework("PaymentHub.Tests.Infrastructure.InOrderTestFramework", "PaymentHub.Tests")]

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
/// given here (<see cref="InOrderTestFramework"/>); by default that order is arbitrary, and a two-minute class that
/// happened to start last kept the run going alone for its last minute and a half. Longest first, the short classes
/// fill the gaps at the end instead.
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

/// <summary>
/// xunit's own runner, except that it starts the test collections in the orderer's order. xunit 2's default
/// ("conservative") runner queues every collection on the thread pool at once, each waiting there for one of the
/// <c>maxParallelThreads</c> places, and the pool starts them in no set order: in each of four full runs on 2026-12-05
/// one or two long classes started after the short ones and ran on for 12-22 s with the other places idle (README,
/// Tests). Here a collection is started only when a place is free, in order. Collections that disable parallelization
/// still run one at a time after all the others, as in xunit.
/// </summary>
public sealed class InOrderTestFramework(IMessageSink messageSink) : XunitTestFramework(messageSink)
{
    protected override ITestFrameworkExecutor CreateExecutor(AssemblyName assemblyName) =>
        new Executor(assemblyName, SourceInformationProvider, DiagnosticMessageSink);

    private sealed class Executor(AssemblyName assemblyName, ISourceInformationProvider sourceInformationProvider, IMessageSink diagnosticMessageSink)
        : XunitTestFrameworkExecutor(assemblyName, sourceInformationProvider, diagnosticMessageSink)
    {
        // async void: the signature xunit's executor declares; its own override is async void too.
        protected override async void RunTestCases(
            IEnumerable<IXunitTestCase> testCases, IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions)
        {
            using var runner = new InOrderAssemblyRunner(TestAssembly, testCases, DiagnosticMessageSink, executionMessageSink, executionOptions);
            await runner.RunAsync();
        }
    }

    private sealed class InOrderAssemblyRunner(
        ITestAssembly testAssembly, IEnumerable<IXunitTestCase> testCases, IMessageSink diagnosticMessageSink,
        IMessageSink executionMessageSink, ITestFrameworkExecutionOptions executionOptions)
        : XunitTestAssemblyRunner(testAssembly, testCases, diagnosticMessageSink, executionMessageSink, executionOptions)
    {
        protected override async Task<RunSummary> RunTestCollectionsAsync(IMessageBus messageBus, CancellationTokenSource cancellationTokenSource)
        {
            if (ExecutionOptions.DisableParallelizationOrDefault())
            {
                return await base.RunTestCollectionsAsync(messageBus, cancellationTokenSource);
            }
            var byAlone = OrderTestCollections().ToLookup(c => RunsAlone(c.Item1));
            // xunit's -1 means no limit (0 is already read as the processor count).
            var limit = ExecutionOptions.MaxParallelThreadsOrDefault();
            using var places = new SemaphoreSlim(limit < 1 ? int.MaxValue : limit);
            var running = new List<Task<RunSummary>>();
            foreach (var (collection, cases) in byAlone[false])
            {
                if (!await WaitForPlaceAsync(places, cancellationTokenSource.Token))
                {
                    break;
                }
                running.Add(Task.Run(async () =>
                {
                    try
                    {
                        return await RunTestCollectionAsync(messageBus, collection, cases, cancellationTokenSource);
                    }
                    finally
                    {
                        places.Release();
                    }
                }));
            }
            var summary = new RunSummary();
            foreach (var done in await Task.WhenAll(running))
            {
                summary.Aggregate(done);
            }
            foreach (var (collection, cases) in byAlone[true])
            {
                if (cancellationTokenSource.IsCancellationRequested)
                {
                    break;
                }
                summary.Aggregate(await RunTestCollectionAsync(messageBus, collection, cases, cancellationTokenSource));
            }
            return summary;
        }

        /// <summary>False when the run was cancelled (a test asked to stop, or the runner did): nothing more is started.</summary>
        private static async Task<bool> WaitForPlaceAsync(SemaphoreSlim places, CancellationToken ct)
        {
            try
            {
                await places.WaitAsync(ct);
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        private static bool RunsAlone(ITestCollection collection) =>
            collection.CollectionDefinition?.GetCustomAttributes(typeof(CollectionDefinitionAttribute)).SingleOrDefault()
                ?.GetNamedArgument<bool>(nameof(CollectionDefinitionAttribute.DisableParallelization)) == true;
    }
}
