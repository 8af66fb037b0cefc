using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Access;

/// <summary>
/// Every principal type (a resource-server credential included) × every management and revocation endpoint × own and
/// foreign tenant, with the exact
/// status expected. Tenant A is the home of most principals; tenant B is the other organization.
/// </summary>
[Collection(SharedHost.Name)]
public sealed class PermissionMatrixTests(TokenServiceFactory factory) : IAsyncLifetime
{
    private static readonly string[] Principals = ["superuser", "admin", "other-admin", "org-client", "foreign-org-client", "app-client", "sibling-app-client", "app-user", "guest", "resource-server"];

    // Expected status per principal, in the order of Principals, for target tenant A and then B.
    private const string OrgAdmins = "200 200 403 200 403 403 403 403 401 403 | 200 403 200 403 200 403 403 403 401 403";
    private const string OrgAdminsCreate = "201 201 403 201 403 403 403 403 401 403 | 201 403 201 403 201 403 403 403 401 403";
    private const string AppAdmins = "200 200 403 200 403 200 403 403 401 403 | 200 403 200 403 200 403 403 403 401 403";
    private const string AppAdminsCreate = "201 201 403 201 403 201 403 403 401 403 | 201 403 201 403 201 403 403 403 401 403";
    private const string AppAdminsAndSelf = "200 200 403 200 403 200 403 200 401 403 | 200 403 200 403 200 403 403 403 401 403";
    private const string AdminSelf = "200 200 403 403 403 403 403 403 401 403 | 200 403 200 403 403 403 403 403 401 403";

    private static readonly (string Method, string Path, string Expected, Func<object?>? Body)[] Endpoints =
    [
        ("GET", "/management/orgs/{org}", OrgAdmins, null),
        ("PUT", "/management/orgs/{org}", OrgAdmins, () => new { accesstokenttl = 604_800_000 }),
        ("GET", "/management/orgs/{org}/credentials", OrgAdmins, null),
        ("POST", "/management/orgs/{org}/revoketokens", OrgAdmins, null),
        ("GET", "/management/orgs/{org}/apps", OrgAdmins, null),
        ("POST", "/management/orgs/{org}/apps", OrgAdminsCreate, () => new { name = Unique("app") }),
        ("POST", "/management/orgs/{org}/resource-servers", OrgAdminsCreate, () => new { name = Unique("rs") }),
        ("GET", "/management/orgs/{org}/resource-servers", OrgAdmins, null),
        ("GET", "/management/orgs/{org}/users", OrgAdmins, null),
        ("GET", "/management/orgs/{org}/audit", OrgAdmins, null),
        ("GET", "/management/orgs/{org}/apps/{app}", AppAdmins, null),
        ("PUT", "/management/orgs/{org}/apps/{app}", AppAdmins, () => new { accesstokenttl = 604_800_000 }),
        ("GET", "/management/orgs/{org}/apps/{app}/credentials", AppAdmins, null),
        ("POST", "/management/orgs/{org}/apps/{app}/revoketokens", AppAdmins, null),
        ("GET", "/management/orgs/{org}/apps/{app}/users", AppAdmins, null),
        ("POST", "/management/orgs/{org}/apps/{app}/users", AppAdminsCreate, () => new { username = Unique("u"), password = "user-password" }),
        ("GET", "/management/orgs/{org}/apps/{app}/users/{user}", AppAdminsAndSelf, null),
        ("PUT", "/management/orgs/{org}/apps/{app}/users/{user}", AppAdmins, () => new { name = "Renamed" }),
        ("POST", "/management/orgs/{org}/apps/{app}/users/{user}/revoketokens", AppAdminsAndSelf, null),
        ("PUT", "/management/orgs/{org}/apps/{app}/users/{user}/revoketokens", AppAdminsAndSelf, null),
        ("POST", "/management/orgs/{org}/apps/{app}/users/{user}/revoketoken?token=" + new string('A', 43),
            "404 404 403 404 403 404 403 404 401 403 | 404 403 404 403 404 403 403 403 401 403", null),
        ("DELETE", "/management/orgs/{org}/apps/{app}/users/{victim}", AppAdmins, null),
        ("GET", "/{org}/{app}", AppAdmins, null),
        ("PUT", "/{org}/{app}", AppAdmins, () => new { accesstokenttl = 604_800_000 }),
        ("GET", "/{org}/{app}/users", AppAdmins, null),
        ("POST", "/{org}/{app}/users", AppAdmins, () => new { username = Unique("u"), password = "user-password" }),
        ("GET", "/{org}/{app}/users/{user}", AppAdminsAndSelf, null),
        ("PUT", "/{org}/{app}/users/{user}/revoketokens", AppAdminsAndSelf, null),
        ("DELETE", "/{org}/{app}/users/{victim}", AppAdmins, null),
        ("GET", "/management/users/{admin}", AdminSelf, null),
        ("POST", "/management/users/{admin}/revoketokens", AdminSelf, null),
        ("PUT", "/management/users/{admin}/revoketokens", AdminSelf, null),
        ("POST", "/management/orgs/{org}/apps/{app}/credentials", AppAdmins, null),
        ("POST", "/management/orgs/{org}/credentials", OrgAdmins, null),
        ("POST", "/access/check", "200 403 403 200 403 403 403 403 401 200 | 200 403 403 403 200 403 403 403 401 403", null),
    ];

    private readonly ServiceClient _client = factory.CreateServiceClient();
    private readonly Dictionary<string, Tenant> _tenants = [];
    private readonly Dictionary<string, Credentials> _clients = [];
    private readonly Dictionary<string, (string Path, string Username, string Password)> _signIns = [];
    private readonly Dictionary<string, string> _tokens = [];

    private sealed record Tenant(string Org, string AdminName);

    public async Task InitializeAsync()
    {
        foreach (var key in (string[])["A", "B"])
        {
            var org = Unique("matrix");
            var admin = Unique("admin");
            using var created = await _client.SendAsync(HttpMethod.Post, "/management/orgs", ServiceClient.Superuser,
                new { organization = org, username = admin, email = $"{admin}@example.com", password = "admin-password" });
            var body = await created.Content.ReadFromJsonAsync<JsonElement>();
            var testOrg = new TestOrg(org, Read(body), Read(body.GetProperty("sandbox")));
            _clients[$"org:{key}"] = testOrg.Client;
            _clients[$"app:{key}"] = await _client.CreateAppAsync(testOrg, "shop");
            await _client.CreateAppUserAsync(testOrg, "shop", "bob");
            _tenants[key] = new Tenant(org, admin);
        }

        _clients["rs:A"] = await _client.CreateResourceServerAsync(new TestOrg(_tenants["A"].Org, _clients["org:A"], _clients["org:A"]), "api");
        _clients["sibling:A"] = await _client.CreateAppAsync(new TestOrg(_tenants["A"].Org, _clients["org:A"], _clients["org:A"]), "sibling");
        _signIns["admin"] = ("/management/token", _tenants["A"].AdminName, "admin-password");
        _signIns["other-admin"] = ("/management/token", _tenants["B"].AdminName, "admin-password");
        _signIns["app-user"] = ($"/{_tenants["A"].Org}/shop/token", "bob", "user-password");
    }

    [Fact]
    public async Task EveryPrincipal_OnEveryEndpoint_InOwnAndForeignTenant_GetsExactlyItsStatus()
    {
        var mismatches = new List<string>();
        var cells = 0;
        var refusedWrites = 0;
        foreach (var (method, template, expected, body) in Endpoints)
        {
            var perTenant = expected.Split('|');
            (string Key, string Row)[] tenants = [("A", perTenant[0]), ("B", perTenant[1])];
            foreach (var (tenantKey, row) in tenants)
            {
                var statuses = row.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
                for (var i = 0; i < Principals.Length; i++)
                {
                    // A write that must be refused is checked for having changed nothing of the tenant it aimed at.
                    var refusedWrite = method != "GET" && statuses[i] >= 400 && template != "/access/check";
                    var (status, before) = await SendAsync(method, template, body, tenantKey, Principals[i], refusedWrite);
                    cells++;
                    if (status != statuses[i])
                    {
                        mismatches.Add($"{method} {template} on tenant {tenantKey} as {Principals[i]}: expected {statuses[i]}, got {status}");
                    }
                    else if (refusedWrite && await TenantSnapshotAsync(tenantKey) != before)
                    {
                        mismatches.Add($"{method} {template} on tenant {tenantKey} as {Principals[i]}: refused with {status}, yet the tenant changed");
                        refusedWrites++;
                    }
                    else if (refusedWrite)
                    {
                        refusedWrites++;
                    }
                }
            }
        }

        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {cells} cells differ:\n" + string.Join('\n', mismatches));
        Assert.Equal(Endpoints.Length * 2 * Principals.Length, cells);
        Assert.True(refusedWrites > 200, $"Only {refusedWrites} refused writes were checked for changes.");
    }

    /// <summary>What a refused write could have changed in a tenant, read by the superuser (users' tokens aside).</summary>
    private async Task<string> TenantSnapshotAsync(string tenantKey)
    {
        var org = _tenants[tenantKey].Org;
        var parts = new List<string>();
        foreach (var path in (string[])[$"/management/orgs/{org}", $"/management/orgs/{org}/apps?limit=1000", $"/management/orgs/{org}/apps/shop/users?limit=1000",
                     $"/management/orgs/{org}/resource-servers?limit=1000", $"/management/orgs/{org}/users?limit=1000", $"/management/users/{_tenants[tenantKey].AdminName}"])
        {
            using var response = await _client.SendAsync(HttpMethod.Get, path, ServiceClient.Superuser);
            parts.Add(await response.Content.ReadAsStringAsync());
        }

        return string.Join('\n', parts);
    }

    /// <summary>
    /// A guest on an open app (the sandbox): the contract's one exception — it may sign up, on either path — and
    /// nothing else; every refused request leaves the tenant as it was.
    /// </summary>
    [Fact]
    public async Task Guest_OnAnOpenApp_MaySignUpAndNothingElse_AndEachRefusalChangesNothing()
    {
        // Arrange
        var tenant = _tenants["A"];
        async Task<string> SnapshotAsync()
        {
            var parts = new List<string>();
            foreach (var path in (string[])[$"/management/orgs/{tenant.Org}", $"/management/orgs/{tenant.Org}/apps", $"/management/orgs/{tenant.Org}/apps/sandbox",
                         $"/management/orgs/{tenant.Org}/apps/sandbox/users?limit=1000", $"/management/orgs/{tenant.Org}/resource-servers",
                         $"/management/orgs/{tenant.Org}/users", $"/management/orgs/{tenant.Org}/credentials", $"/management/orgs/{tenant.Org}/apps/sandbox/credentials"])
            {
                using var response = await _client.SendAsync(HttpMethod.Get, path, ServiceClient.Superuser);
                parts.Add(await response.Content.ReadAsStringAsync());
            }

            return string.Join('\n', parts);
        }

        var signUps = new HashSet<string> { "POST /management/orgs/{org}/apps/{app}/users", "POST /{org}/{app}/users" };
        await _client.CreateAppUserAsync(new TestOrg(tenant.Org, _clients["org:A"], _clients["org:A"]), "sandbox", "carol");

        // Act
        var wrong = new List<string>();
        foreach (var (method, template, _, body) in Endpoints)
        {
            var path = template.Replace("{org}", tenant.Org, StringComparison.Ordinal).Replace("{app}", "sandbox", StringComparison.Ordinal)
                .Replace("{user}", "carol", StringComparison.Ordinal).Replace("{victim}", "carol", StringComparison.Ordinal)
                .Replace("{admin}", tenant.AdminName, StringComparison.Ordinal);
            var signUp = signUps.Contains($"{method} {template}");
            var before = signUp ? "" : await SnapshotAsync();
            using var response = await _client.SendAsync(new HttpMethod(method), path, null,
                template == "/access/check" ? new { org = tenant.Org, app = "sandbox" } : body?.Invoke());
            var expected = !signUp ? 401 : template.StartsWith("/management", StringComparison.Ordinal) ? 201 : 200;
            if ((int)response.StatusCode != expected)
            {
                wrong.Add($"{method} {template}: expected {expected}, got {(int)response.StatusCode}");
            }

            if (!signUp && await SnapshotAsync() != before)
            {
                wrong.Add($"{method} {template}: refused, yet the tenant changed");
            }
        }

        // Assert
        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    /// <summary>Sends one cell's request; with <paramref name="snapshot"/>, the tenant as it stood just before (after the cell's own set-up).</summary>
    private async Task<(int Status, string Before)> SendAsync(string method, string template, Func<object?>? body, string tenantKey, string principal, bool snapshot)
    {
        var tenant = _tenants[tenantKey];
        var path = template.Replace("{org}", tenant.Org, StringComparison.Ordinal)
            .Replace("{app}", "shop", StringComparison.Ordinal)
            .Replace("{user}", "bob", StringComparison.Ordinal)
            .Replace("{admin}", tenant.AdminName, StringComparison.Ordinal);
        if (path.Contains("{victim}", StringComparison.Ordinal))
        {
            var victim = Unique("victim");
            await _client.CreateAppUserAsync(new TestOrg(tenant.Org, _clients[$"org:{tenantKey}"], _clients[$"org:{tenantKey}"]), "shop", victim);
            path = path.Replace("{victim}", victim, StringComparison.Ordinal);
        }

        var payload = template == "/access/check" ? new { org = tenant.Org, app = "sandbox" } : body?.Invoke();
        var auth = await AuthAsync(principal);
        var before = snapshot ? await TenantSnapshotAsync(tenantKey) : "";
        using var response = await _client.SendAsync(new HttpMethod(method), path, auth, payload);
        await KeepCredentialsAsync(template, tenantKey, response);
        return ((int)response.StatusCode, before);
    }

    private async Task<AuthenticationHeaderValue?> AuthAsync(string principal) => principal switch
    {
        "superuser" => ServiceClient.Superuser,
        "org-client" => ServiceClient.BasicOf(_clients["org:A"]),
        "foreign-org-client" => ServiceClient.BasicOf(_clients["org:B"]),
        "app-client" => ServiceClient.BasicOf(_clients["app:A"]),
        "sibling-app-client" => ServiceClient.BasicOf(_clients["sibling:A"]),

        // Least privilege: introspection, and the access check about its own organization's apps, nothing else.
        "resource-server" => ServiceClient.BasicOf(_clients["rs:A"]),
        "guest" => null,
        _ => ServiceClient.Bearer(await TokenAsync(principal)),
    };

    /// <summary>Earlier cells may revoke a principal's token (that is what they test): sign in again when so.</summary>
    private async Task<string> TokenAsync(string principal)
    {
        if (_tokens.TryGetValue(principal, out var token) &&
            await _client.IsActiveAsync(new Credentials("superuser", TokenServiceFactory.SuperuserPassword), token))
        {
            return token;
        }

        var (path, username, password) = _signIns[principal];
        return _tokens[principal] = (await _client.PasswordTokenAsync(path, username, password)).GetProperty("access_token").GetString()!;
    }

    /// <summary>Earlier cells may regenerate a client's secret: keep the one the service just showed.</summary>
    private async Task KeepCredentialsAsync(string template, string tenantKey, HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.OK || !template.EndsWith("/credentials", StringComparison.Ordinal))
        {
            return;
        }

        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (!body.TryGetProperty("client_secret", out _))
        {
            return;
        }

        _clients[template.Contains("/apps/", StringComparison.Ordinal) ? $"app:{tenantKey}" : $"org:{tenantKey}"] = Read(body);
    }

    private static Credentials Read(JsonElement body) =>
        new(body.GetProperty("client_id").GetString()!, body.GetProperty("client_secret").GetString()!);

    private static string Unique(string prefix) => ServiceClient.UniqueName(prefix);

    public Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }
}
