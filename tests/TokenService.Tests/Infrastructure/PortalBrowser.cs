using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace TokenService.Tests.Infrastructure;

/// <summary>
/// The service on a real loopback port (Kestrel, through the same factory as every other test) and Debian's Chromium
/// driven by Playwright. Playwright's own browser download cannot work here; the system browser is launched instead,
/// with the flags that keep it off the network.
/// </summary>
public sealed class PortalBrowser : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run",
        "--disable-dev-shm-usage", "--disable-default-apps", "--disable-sync",
    ];

    private IPlaywright? _playwright;

    /// <summary>Why the browser tests cannot run here, or null.</summary>
    public static string? UnavailableReason =>
        File.Exists(ChromiumPath) ? null : $"Chromium is not installed at {ChromiumPath} (Debian package 'chromium'; .ci/run installs it).";

    public TokenServiceFactory Factory { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The service's address, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>A client of the service's API on the same address.</summary>
    public ServiceClient Api { get; private set; } = null!;

    /// <summary>Where screenshots go: <c>TestResults/portal-screenshots</c> at the repository's root (kept as CI artifacts).</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(RepositoryRoot(), "TestResults", "portal-screenshots");

    public async Task InitializeAsync()
    {
        if (UnavailableReason is not null)
        {
            return;
        }

        Factory = new TokenServiceFactory(null, null);
        Factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        Factory.StartServer();
        var addresses = Factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseUrl = addresses.First().TrimEnd('/');
        Api = new ServiceClient(new HttpClient { BaseAddress = new Uri(BaseUrl) });

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath, Headless = true, Args = ChromiumArgs,
        });
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    /// <summary>A fresh browser profile (no cookies) at desktop or phone width; console errors (CSP included) are collected.</summary>
    public async Task<BrowserSession> NewSessionAsync(bool phone = false)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            ViewportSize = phone ? new ViewportSize { Width = 390, Height = 844 } : new ViewportSize { Width = 1280, Height = 900 },
            IsMobile = phone,
            HasTouch = phone,
        });
        var page = await context.NewPageAsync();
        var session = new BrowserSession(context, page);
        // Script errors and CSP violations come as console errors; a stylesheet or script that failed to load, as a
        // response. (A page answered 403 or 404 on purpose is the document itself, and not an error here.)
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                session.ConsoleErrors.Add(message.Text);
            }
        };
        page.Response += (_, response) =>
        {
            if (response.Status >= 400 && response.Request.ResourceType != "document")
            {
                session.ConsoleErrors.Add($"{response.Status} for {response.Url}");
            }
        };
        return session;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        Api?.Dispose();
        if (Factory is not null)
        {
            await Factory.DisposeAsync();
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TokenService.sln")))
            {
                return directory.FullName;
            }
        }

        return AppContext.BaseDirectory;
    }
}

/// <summary>One browser profile and its page.</summary>
public sealed class BrowserSession(IBrowserContext context, IPage page) : IAsyncDisposable
{
    public IBrowserContext Context { get; } = context;

    public IPage Page { get; } = page;

    /// <summary>Errors the page logged: a Content-Security-Policy violation (an inline script, say) shows here.</summary>
    public List<string> ConsoleErrors { get; } = [];

    /// <summary>Signs in through the form, as a person would.</summary>
    public async Task SignInAsync(string username, string password)
    {
        await Page.GotoAsync("/portal/signin");
        await Page.GetByLabel("Username").FillAsync(username);
        await Page.GetByLabel("Password").FillAsync(password);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        // Waits for the whole answer (the sign-in POST, its redirects and the page it lands on), not the form's page:
        // every outcome leaves the bare sign-in address (a refusal comes back with ?error=).
        await Page.WaitForURLAsync(url => !url.EndsWith("/portal/signin", StringComparison.Ordinal),
            new PageWaitForURLOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
    }

    public async ValueTask DisposeAsync() => await Context.DisposeAsync();
}

/// <summary>A browser test: skipped, with the reason, only where Chromium is missing (and never in CI).</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(PostgresServer.RequireVariable) != "1" && PortalBrowser.UnavailableReason is { } reason)
        {
            Skip = reason;
        }
    }
}
