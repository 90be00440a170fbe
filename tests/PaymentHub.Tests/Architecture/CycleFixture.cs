// Two namespaces that use each other only inside method bodies (a static call, and a lambda that the compiler turns
// into a nested class): NamespaceCycleTests shows the graph sees such a cycle.
namespace PaymentHub.Tests.Architecture.CycleFixture.Alpha
{
    public static class First
    {
        public static int Count() => Beta.Second.Numbers().Count();
    }
}

namespace PaymentHub.Tests.Architecture.CycleFixture.Beta
{
    public static class Second
    {
        public static IEnumerable<int> Numbers() => new[] { 1, 2, 3 }.Select(n => n + Offset(() => typeof(Alpha.First).Name.Length) * 0);

        private static int Offset(Func<int> f) => f();
    }
}
