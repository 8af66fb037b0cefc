using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Portal;

/// <summary>
/// The admin portal in a real browser (Debian's Chromium through Playwright) against the service on a loopback port:
/// what a person does in the pages, checked against what the API then answers.
/// </summary>
public sealed class PortalBrowserTests(PortalBrowser browser) : IClassFixture<PortalBrowser>
{
    private const string AdminPassword = "admin-password";

    private ServiceClient Api => browser.Api;

    [BrowserFact]
    public async Task SignIn_OrgOverview_ShowsTheClientIdAndARegeneratedSecretOnlyOnce()
    {
        // Arrange
        var (org, admin) = await OrgWithAdminAsync();
        await using var session = await browser.NewSessionAsync();

        // Act
        await session.SignInAsync(admin, AdminPassword);
        var overview = session.Page;
        var clientId = await overview.Locator("#org-client-id").InnerTextAsync();
        await overview.GetByRole(AriaRole.Button, new() { Name = "Regenerate secret" }).ClickAsync();
        var secret = (await overview.Locator("#new-secret").InnerTextAsync()).Trim();
        var shownOnce = await overview.ContentAsync();
        await overview.ReloadAsync();
        var afterReload = await overview.ContentAsync();

        // Assert
        Assert.Equal("Org Overview", await overview.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync());
        Assert.Equal(org.Client.ClientId, clientId);
        Assert.Contains(secret, shownOnce, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, afterReload, StringComparison.Ordinal);
        Assert.Equal(0, await overview.Locator("#new-secret").CountAsync());
        using var oldSecret = await Api.RequestTokenAsync(org.Client);
        using var newSecret = await Api.RequestTokenAsync(new Credentials(clientId, secret));
        Assert.Equal(HttpStatusCode.Unauthorized, oldSecret.StatusCode);
        Assert.Equal(HttpStatusCode.OK, newSecret.StatusCode);
        Assert.Empty(session.ConsoleErrors);
    }

    [BrowserFact]
    public async Task GettingStarted_SnippetsReadFromThePage_RunAgainstTheService()
    {
        // Arrange
        var (org, admin) = await OrgWithAdminAsync();
        await using var session = await browser.NewSessionAsync();
        await session.SignInAsync(admin, AdminPassword);
        await session.Page.GotoAsync($"/portal/orgs/{org.Name}/apps/sandbox");
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Regenerate secret" }).ClickAsync();

        // Act
        var clientCredentials = await session.Page.Locator("#snippet-client-credentials").InnerTextAsync();
        var tokenAnswer = JsonDocument.Parse(await RunAsync(clientCredentials)).RootElement;
        var token = tokenAnswer.GetProperty("access_token").GetString()!;
        var byQuery = JsonDocument.Parse(await RunAsync(await session.Page.Locator("#snippet-access-token").InnerTextAsync(), ("TOKEN", token))).RootElement;
        var byHeader = JsonDocument.Parse(await RunAsync(await session.Page.Locator("#snippet-bearer").InnerTextAsync(), ("TOKEN", token))).RootElement;

        // Assert
        Assert.Equal("Getting Started", await session.Page.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync());
        Assert.Contains("grant_type=client_credentials", clientCredentials, StringComparison.Ordinal);
        Assert.Contains(browser.BaseUrl, clientCredentials, StringComparison.Ordinal);
        Assert.Equal("sandbox", byQuery.GetProperty("name").GetString());
        Assert.Equal("sandbox", byHeader.GetProperty("name").GetString());
    }

    [BrowserFact]
    public async Task GettingStarted_TtlChangedInThePage_IsTheNextTokensExpiresIn()
    {
        var (org, admin) = await OrgWithAdminAsync();
        await using var session = await browser.NewSessionAsync();
        await session.SignInAsync(admin, AdminPassword);
        await session.Page.GotoAsync($"/portal/orgs/{org.Name}/apps/sandbox");

        await session.Page.GetByRole(AriaRole.Spinbutton, new() { Name = "Lifetime" }).FillAsync("90");
        await session.Page.GetByRole(AriaRole.Combobox, new() { Name = "Unit" }).SelectOptionAsync("minutes");
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Save lifetime" }).ClickAsync();
        var shown = await session.Page.Locator("#app-ttl").InnerTextAsync();
        var token = await Api.GetTokenResponseAsync(org.Sandbox);

        Assert.Equal("90 minutes", shown);
        Assert.Equal(5400, token.GetProperty("expires_in").GetInt64());
    }

    [BrowserFact]
    public async Task GettingStarted_RevokeAllAppTokens_MakesAnEarlierTokenInactive()
    {
        var (org, admin) = await OrgWithAdminAsync();
        var earlier = await Api.GetTokenAsync(org.Sandbox);
        await using var session = await browser.NewSessionAsync();
        await session.SignInAsync(admin, AdminPassword);
        await session.Page.GotoAsync($"/portal/orgs/{org.Name}/apps/sandbox");

        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Revoke all application tokens" }).ClickAsync();

        Assert.Contains("tokens of this application revoked", await session.Page.GetByRole(AriaRole.Status).InnerTextAsync(), StringComparison.Ordinal);
        Assert.False(await Api.IsActiveAsync(org.Client, earlier));
    }

    [BrowserFact]
    public async Task GettingStarted_DeactivatingAUser_RefusesThatUsersToken()
    {
        var (org, admin) = await OrgWithAdminAsync();
        await Api.CreateAppUserAsync(org, "sandbox", "dana");
        var token = await Api.AppUserTokenAsync(org, "sandbox", "dana");
        await using var session = await browser.NewSessionAsync();
        await session.SignInAsync(admin, AdminPassword);
        await session.Page.GotoAsync($"/portal/orgs/{org.Name}/apps/sandbox");

        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Deactivate dana" }).ClickAsync();
        using var refused = await Api.SendAsync(HttpMethod.Get, $"/{org.Name}/sandbox/users/me", ServiceClient.Bearer(token));
        using var signIn = await Api.PostFormAsync($"/{org.Name}/sandbox/token", null, ("grant_type", "password"), ("username", "dana"), ("password", "user-password"));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, signIn.StatusCode);
        Assert.Contains("deactivated", await session.Page.Locator("table").InnerTextAsync(), StringComparison.Ordinal);
    }

    [BrowserFact]
    public async Task SignIn_WithAnAppClientsIdAndSecret_IsRefused()
    {
        var (org, _) = await OrgWithAdminAsync();
        await using var session = await browser.NewSessionAsync();

        await session.SignInAsync(org.Sandbox.ClientId, org.Sandbox.ClientSecret);
        var refusedAt = session.Page.Url;
        await session.Page.GotoAsync("/portal");

        Assert.Contains("error=invalid", refusedAt, StringComparison.Ordinal);
        Assert.EndsWith("/portal/signin", session.Page.Url, StringComparison.Ordinal);
        Assert.DoesNotContain(await session.Context.CookiesAsync(), c => c.Name == "tokenservice_portal");
    }

    [BrowserFact]
    public async Task AnAdminOfAnotherOrg_SeesNothingOfThisOne_EvenByDirectUrl()
    {
        var (org, _) = await OrgWithAdminAsync();
        var (_, outsider) = await OrgWithAdminAsync();
        await using var session = await browser.NewSessionAsync();
        await session.SignInAsync(outsider, AdminPassword);

        foreach (var path in new[] { $"/portal/orgs/{org.Name}", $"/portal/orgs/{org.Name}/apps/sandbox", $"/portal/orgs/{org.Name}/audit" })
        {
            var response = await session.Page.GotoAsync(path);
            var html = await session.Page.ContentAsync();

            Assert.Equal(403, response!.Status);
            Assert.Contains("Not available", html, StringComparison.Ordinal);
            Assert.DoesNotContain(org.Client.ClientId, html, StringComparison.Ordinal);
            Assert.DoesNotContain(org.Sandbox.ClientId, html, StringComparison.Ordinal);
        }
    }

    [BrowserFact]
    public async Task AnAction_PostedWithoutTheAntiforgeryToken_IsRefusedAndChangesNothing()
    {
        var (org, admin) = await OrgWithAdminAsync();
        var token = await Api.GetTokenAsync(org.Sandbox);
        await using var session = await browser.NewSessionAsync();
        await session.SignInAsync(admin, AdminPassword);

        // The session cookie goes with it (as if SameSite did not hold); only the form's token is missing.
        var response = await session.Context.APIRequest.PostAsync($"/portal/orgs/{org.Name}/apps/sandbox?handler=RevokeAll",
            new APIRequestContextOptions { Form = session.Context.APIRequest.CreateFormData() });

        Assert.Equal(400, response.Status);
        Assert.True(await Api.IsActiveAsync(org.Client, token));
    }

    [BrowserFact]
    public async Task ASession_WhoseTokenIsRevoked_IsSignedOut()
    {
        var (org, admin) = await OrgWithAdminAsync();
        await using var session = await browser.NewSessionAsync();
        await session.SignInAsync(admin, AdminPassword);

        using var revoke = await Api.SendAsync(HttpMethod.Put, $"/management/users/{admin}/revoketokens", ServiceClient.Superuser);
        await session.Page.GotoAsync($"/portal/orgs/{org.Name}");

        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Contains("/portal/signin?error=ended", session.Page.Url, StringComparison.Ordinal);
        Assert.Contains("session has ended", await session.Page.ContentAsync(), StringComparison.Ordinal);
    }

    [BrowserFact]
    public async Task EveryPage_ShowsNoSecretButTheOnceShownOne_AndNoCookieHoldsAUsableToken()
    {
        // Arrange: everything secret this org has, and a session that visits every page.
        var (org, admin) = await OrgWithAdminAsync();
        var server = await Api.CreateResourceServerAsync(org, "api");
        await Api.CreateAppUserAsync(org, "sandbox", "erin");
        var userToken = await Api.AppUserTokenAsync(org, "sandbox", "erin");
        var appToken = await Api.GetTokenAsync(org.Sandbox);
        string[] secrets = [org.Client.ClientSecret, org.Sandbox.ClientSecret, server.ClientSecret, AdminPassword, "user-password", userToken, appToken];
        await using var session = await browser.NewSessionAsync();
        await session.SignInAsync(admin, AdminPassword);

        // Act
        var pages = new List<(string Path, string Html)>();
        foreach (var path in new[] { "/portal", $"/portal/orgs/{org.Name}", $"/portal/orgs/{org.Name}/apps/sandbox", $"/portal/orgs/{org.Name}/audit", "/portal/signin" })
        {
            await session.Page.GotoAsync(path);
            pages.Add((path, await session.Page.ContentAsync()));
        }

        var cookies = await session.Context.CookiesAsync();

        // Assert
        foreach (var (path, html) in pages)
        {
            foreach (var secret in secrets)
            {
                Assert.False(html.Contains(secret, StringComparison.Ordinal), $"{path} shows a secret");
            }
        }

        Assert.Contains(cookies, c => c.Name == "tokenservice_portal" && c.HttpOnly && c.SameSite == SameSiteAttribute.Strict);
        foreach (var cookie in cookies)
        {
            Assert.True(cookie.HttpOnly, $"{cookie.Name} is readable by scripts");
            using var asBearer = await Api.SendAsync(HttpMethod.Get, $"/management/orgs/{org.Name}", ServiceClient.Bearer(cookie.Value));
            Assert.Equal(HttpStatusCode.Unauthorized, asBearer.StatusCode);
            Assert.False(await Api.IsActiveAsync(org.Client, cookie.Value));
        }

        Assert.Empty(session.ConsoleErrors);
    }

    [BrowserFact]
    public async Task EveryPage_AtDesktopAndPhoneWidth_HasNoSeriousAccessibilityViolationNorSidewaysScrolling()
    {
        var (org, admin) = await OrgWithAdminAsync();
        await Api.CreateResourceServerAsync(org, "orders-api");
        await Api.CreateAppUserAsync(org, "sandbox", "frank");
        var violations = new List<string>();

        foreach (var phone in new[] { false, true })
        {
            await using var session = await browser.NewSessionAsync(phone);
            await CheckAsync(session, "signin", "/portal/signin");
            await session.SignInAsync(admin, AdminPassword);
            await CheckAsync(session, "org-overview", $"/portal/orgs/{org.Name}");
            await session.Page.GotoAsync($"/portal/orgs/{org.Name}/apps/sandbox");
            await session.Page.GetByRole(AriaRole.Button, new() { Name = "Regenerate secret" }).ClickAsync();
            await CheckAsync(session, "getting-started-secret-shown", null);
            await CheckAsync(session, "getting-started", $"/portal/orgs/{org.Name}/apps/sandbox");
            await CheckAsync(session, "audit", $"/portal/orgs/{org.Name}/audit");
            await CheckAsync(session, "not-available", "/portal/orgs/no-such-org");
            Assert.Empty(session.ConsoleErrors);

            async Task CheckAsync(BrowserSession s, string name, string? path)
            {
                if (path is not null)
                {
                    await s.Page.GotoAsync(path);
                }

                await s.Page.ScreenshotAsync(new PageScreenshotOptions
                {
                    Path = Path.Combine(PortalBrowser.ScreenshotDirectory, $"{name}-{(phone ? "phone" : "desktop")}.png"), FullPage = true,
                });
                // Usable at a phone's width: nothing makes the page scroll sideways.
                var (scrollWidth, viewport) = (await s.Page.EvaluateAsync<int>("document.documentElement.scrollWidth"), s.Page.ViewportSize!.Width);
                if (scrollWidth > viewport)
                {
                    violations.Add($"{name} ({(phone ? "phone" : "desktop")}): {scrollWidth} px wide in a {viewport} px viewport");
                }

                var result = await s.Page.RunAxe();
                violations.AddRange(result.Violations
                    .Where(v => v.Impact is "serious" or "critical")
                    .Select(v => $"{name} ({(phone ? "phone" : "desktop")}): {v.Id} {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target))}"));
            }
        }

        Assert.True(violations.Count == 0, string.Join('\n', violations));
    }

    /// <summary>A new organization (its secrets known to the test) with an admin user of its own.</summary>
    private async Task<(TestOrg Org, string Admin)> OrgWithAdminAsync()
    {
        var org = await Api.CreateOrgAsync();
        var admin = ServiceClient.UniqueName("admin")[..20];
        await Api.CreateAdminAsync(org, admin, AdminPassword);
        return (org, admin);
    }

    /// <summary>Runs a snippet as a person would paste it into a shell; returns what it printed.</summary>
    private static async Task<string> RunAsync(string snippet, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo("bash", ["-c", snippet]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{snippet} exited with {process.ExitCode}: {await process.StandardError.ReadToEndAsync()}");
        return output;
    }
}
