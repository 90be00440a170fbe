namespace PaymentHub.Tests.Infrastructure;

/// <summary>The checkout the tests run from (the directory above the test output that holds PaymentHub.sln).</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PaymentHub.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("PaymentHub.sln not found above " + AppContext.BaseDirectory);
    }
}
