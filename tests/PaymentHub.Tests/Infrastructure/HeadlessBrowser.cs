using System.Collections.Concurrent;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>
/// A headless Chromium driven by Playwright, for tests that look at a page the way a person would. It launches the machine's
/// Chromium (Debian's <c>chromium-headless-shell</c> or <c>chromium</c> package, which <c>.ci/run</c> installs) through the
/// Playwright driver bundled in the NuGet package; Playwright's own browser downloads are never used. A page needs a real
/// address: start the gateway with <c>PaymentHubApp.StartAsync(..., kestrel: true)</c> and open
/// <c>new Uri(app.ServerAddress, "/some/page")</c>.
/// </summary>
/// <example>
/// <code>
/// await using var browser = await HeadlessBrowser.LaunchAsync();
/// var page = await browser.OpenAsync(new Uri(app.ServerAddress, "/swagger/index.html"));
/// var png = await browser.ScreenshotAsync(page, "swagger", output);
/// </code>
/// </example>
public sealed class HeadlessBrowser : IAsyncDisposable
{
    /// <summary>Environment variable that names the Chromium binary, when it is not at one of the usual Debian paths.</summary>
    public const string PathVariable = "CHROMIUM_PATH";

    // Debian's chromium-headless-shell first: Chromium's old headless mode, without the full browser's windows and their
    // WebUI renderers. The browser tests' Chromium processes took 19 CPU-s with it and 41 with the full browser (the three
    // browser classes run alone, 2026-12-05), the same tests passing. The full browser remains the fallback.
    private static readonly string[] KnownPaths =
    [
        "/usr/lib/chromium/chromium-headless-shell", "/usr/bin/chromium-headless-shell", "/usr/bin/chromium", "/usr/bin/chromium-browser",
    ];
    private const float TimeoutMs = 30_000;

    // One Chromium process per binary for the whole test run, launched by the first test that needs it: starting Chromium
    // costs more CPU than most pages do. Each LaunchAsync still gets its own browser context (cookies, storage, pages).
    private static readonly ConcurrentDictionary<string, Lazy<Task<IBrowser>>> Running = new(StringComparer.Ordinal);

    private readonly IBrowserContext _context;

    private HeadlessBrowser(string executablePath, IBrowserContext context)
    {
        ExecutablePath = executablePath;
        _context = context;
    }

    /// <summary>The Chromium binary this browser runs.</summary>
    public string ExecutablePath { get; }

    /// <summary>The browser context every <see cref="OpenAsync(Uri, int)"/> page lives in (one cookie jar, 1280×800 viewport).</summary>
    public IBrowserContext Context => _context;

    /// <summary>Where <see cref="ScreenshotAsync"/> saves its PNGs: <c>screenshots/</c> under the test output directory.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    /// <summary>
    /// The Chromium binary to launch: <c>$CHROMIUM_PATH</c> when set, else Debian's headless shell
    /// (<c>chromium-headless-shell</c>), else <c>/usr/bin/chromium</c> or <c>/usr/bin/chromium-browser</c>.
    /// Fails the test (never skips it) when there is none.
    /// </summary>
    public static string FindChromium()
    {
        var configured = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return File.Exists(configured)
                ? configured
                : throw new Xunit.Sdk.XunitException(
                    $"{PathVariable} is set to '{configured}', but there is no such file. Point it at a Chromium binary or unset it.");
        }
        return KnownPaths.FirstOrDefault(File.Exists) ?? throw new Xunit.Sdk.XunitException(
            $"Chromium not found: looked at ${PathVariable} (unset), {string.Join(", ", KnownPaths)}. This test needs a real headless "
            + "browser: install Debian's package with 'apt-get install -y chromium-headless-shell' (or 'chromium'; .ci/run does this on a new machine) "
            + $"or set {PathVariable} to a Chromium binary.");
    }

    /// <summary>
    /// A fresh browser context in headless Chromium (<see cref="FindChromium"/>, or <paramref name="executablePath"/>). The
    /// Chromium process is shared by the tests of one run and started by the first of them.
    /// </summary>
    public static async Task<HeadlessBrowser> LaunchAsync(string? executablePath = null)
    {
        var chromium = executablePath ?? FindChromium();
        var launch = Running.GetOrAdd(chromium, path => new Lazy<Task<IBrowser>>(() => StartChromiumAsync(path)));
        IBrowser browser;
        try
        {
            browser = await launch.Value;
        }
        catch (PlaywrightException ex)
        {
            // A failed start is not kept: the next test tries again.
            Running.TryRemove(new KeyValuePair<string, Lazy<Task<IBrowser>>>(chromium, launch));
            throw new Xunit.Sdk.XunitException($"Could not launch headless Chromium ({chromium}) through Playwright: {ex.Message}");
        }
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            Locale = "en-US",
        });
        context.SetDefaultTimeout(TimeoutMs);
        context.SetDefaultNavigationTimeout(TimeoutMs);
        return new HeadlessBrowser(chromium, context);
    }

    private static async Task<IBrowser> StartChromiumAsync(string chromium)
    {
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = chromium,
                Headless = true,
                // --no-sandbox: the tests run as root, where Chromium's sandbox refuses to start.
                Args = ["--no-sandbox"],
                Timeout = TimeoutMs,
            });
            // Closed when the test run ends; a close that hangs must not hold up the test host's exit.
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                Task.WhenAny(browser.CloseAsync(), Task.Delay(TimeSpan.FromSeconds(5))).GetAwaiter().GetResult();
                playwright.Dispose();
            };
            return browser;
        }
        catch (PlaywrightException)
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>Opens <paramref name="url"/> in a new page, waits until the network is idle and fails unless it answered <paramref name="expectedStatus"/>.</summary>
    public async Task<IPage> OpenAsync(Uri url, int expectedStatus = 200)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri)
        {
            throw new ArgumentException($"A browser needs an absolute URL (e.g. new Uri(app.ServerAddress, \"{url}\")), got '{url}'.", nameof(url));
        }
        var page = await _context.NewPageAsync();
        var response = await page.GotoAsync(url.AbsoluteUri, new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });
        if (response is null || response.Status != expectedStatus)
        {
            throw new Xunit.Sdk.XunitException(
                $"Expected HTTP {expectedStatus} for {url}, got {(response is null ? "no response" : response.Status.ToString(System.Globalization.CultureInfo.InvariantCulture))}.");
        }
        return page;
    }

    /// <inheritdoc cref="OpenAsync(Uri, int)"/>
    public Task<IPage> OpenAsync(string url, int expectedStatus = 200) => OpenAsync(new Uri(url, UriKind.Absolute), expectedStatus);

    /// <summary>
    /// Saves a PNG of <paramref name="page"/> (the 1280×800 viewport, or with <paramref name="fullPage"/> the whole scrollable
    /// page) as <c>screenshots/&lt;name&gt;.png</c>
    /// under the test output directory (replacing an earlier one of the same name), writes its full path to the test output,
    /// and returns that path.
    /// </summary>
    // The viewport by default: a full-page PNG of Swagger UI (thousands of pixels tall) cost Chromium about 2 s of CPU each,
    // 13-16 CPU-s over the two Swagger classes' four screenshots.
    public async Task<string> ScreenshotAsync(IPage page, string name, ITestOutputHelper output, bool fullPage = false)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(output);
        Directory.CreateDirectory(ScreenshotDirectory);
        var invalid = Path.GetInvalidFileNameChars();
        var fileName = new string(name.Select(c => invalid.Contains(c) || char.IsWhiteSpace(c) ? '-' : c).ToArray()) + ".png";
        var path = Path.Combine(ScreenshotDirectory, fileName);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = fullPage, Type = ScreenshotType.Png });
        output.WriteLine($"Screenshot of {page.Url}: {path}");
        return path;
    }

    /// <summary>Closes this browser context and its pages; the shared Chromium process keeps running for the next test.</summary>
    public async ValueTask DisposeAsync() => await _context.CloseAsync();
}
