using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TokenService.Data;
using TokenService.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TokenService.Tests.Security;

/// <summary>
/// The bad-input corpus: every endpoint that takes input, fed malformed JSON, wrong content types, huge bodies,
/// over-long and non-ASCII names, look-alikes, SQL and JSON metacharacters, duplicated parameters, missing fields and
/// out-of-range numbers. Each endpoint's valid request is sent first and must succeed (so a refusal means the input,
/// not the endpoint); then every bad variant must be a 4xx with an error body, and no column of any table may change
/// (only the append-only audit log, the failure counters and the instance heartbeats may move). A host of its own,
/// so that the whole database can be compared after every request.
/// </summary>
public sealed class BadInputTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TokenServiceFactory _factory = new(null, new Dictionary<string, string?>
    {
        ["BruteForce:MaxFailuresPerIdentity"] = "100000",
        ["BruteForce:MaxFailuresPerAddress"] = "100000",
    });

    private ServiceClient _client = null!;

    public Task InitializeAsync()
    {
        _client = _factory.CreateServiceClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    /// <summary>Values no identifier field (org, app, resource-server names, usernames) may take.</summary>
    private static readonly JsonNode?[] BadNames =
    [
        "", " ", new string('a', 300), "café", "名前", "sаndbox" /* Cyrillic а */, "ｓａｎｄｂｏｘ",
        "x'); DROP TABLE Organizations;--", "a\"}{\"b", "a\u0000b", "\u202Eabc", "a/b", "../etc", "a b", "-dash",
        new JsonObject { ["$ne"] = null }, new JsonArray(1, 2), 42, true,
    ];

    /// <summary>Values a TTL in milliseconds may not take.</summary>
    private static readonly string[] BadNumbers =
        ["-1", "1e300", "\"abc\"", "9223372036854775808", "1.5", "true", "{}", "[]", "-9223372036854775809"];

    /// <summary>Values a flag may not take.</summary>
    private static readonly string[] BadFlags = ["\"yes\"", "\"true\"", "1", "{}", "[]"];

    private static readonly string[] BadEmails = ["no-at-sign", "a@b", "a @b.c", "a\n@b.c", new string('e', 250) + "@b.cd"];

    private static readonly (string Label, string ContentType, string Body)[] BrokenBodies =
    [
        ("truncated JSON", "application/json", "{\"name\": \"x\""),
        ("array", "application/json", "[1,2]"),
        ("string", "application/json", "\"text\""),
        ("number", "application/json", "42"),
        ("null", "application/json", "null"),
        ("empty", "application/json", ""),
        ("comment", "application/json", "{/* */\"name\":\"x\"}"),
        ("trailing comma", "application/json", "{\"name\":\"x\",}"),
        ("text/plain", "text/plain", "{\"name\":\"plain-text\"}"),
        ("form", "application/x-www-form-urlencoded", "name=form-body"),
        ("xml", "application/xml", "<name>x</name>"),
        ("huge", "application/json", "{\"name\":\"" + new string('a', 200_000) + "\"}"),
        ("deep", "application/json", new string('[', 5_000) + new string(']', 5_000)),
    ];

    private sealed record JsonTarget(string Method, string Path, Func<JsonObject> Valid, string[] NameFields, string[] NumberFields,
        string[] EmailFields, string[] RequiredFields, string[]? FlagFields = null);

    [Fact]
    public async Task EveryEndpoint_BadInput_Is4xxWithAnErrorBody_AndChangesNothing()
    {
        // Arrange: a tenant with an app, a user and a resource server, addressed by the superuser (powers are not
        // what should refuse these requests).
        var org = await _client.CreateOrgAsync();
        var app = await _client.CreateAppAsync(org, "shop");
        await _client.CreateAppUserAsync(org, "shop", "alice");
        var server = await _client.CreateResourceServerAsync(org, "api");
        var token = await _client.GetTokenAsync(app);
        var su = ServiceClient.Superuser;
        var o = org.Name;
        var adminName = Unique("adm");
        await _client.CreateAdminAsync(org, adminName);

        JsonTarget[] jsonTargets =
        [
            new("POST", "/management/orgs", () => new JsonObject { ["organization"] = Unique("org"), ["username"] = Unique("adm"), ["email"] = Unique("e") + "@example.com", ["password"] = "admin-password" },
                ["organization", "username"], [], ["email"], ["organization"]),
            new("PUT", $"/management/orgs/{o}", () => new JsonObject { ["accesstokenttl"] = 60_000 }, [], ["accesstokenttl"], [], []),
            new("POST", $"/management/orgs/{o}/apps", () => new JsonObject { ["name"] = Unique("app") }, ["name"], [], [], ["name"]),
            new("PUT", $"/management/orgs/{o}/apps/shop", () => new JsonObject { ["accesstokenttl"] = 60_000 }, [], ["accesstokenttl"], [], [], ["secured"]),
            new("POST", $"/management/orgs/{o}/resource-servers", () => new JsonObject { ["name"] = Unique("rs") }, ["name"], [], [], ["name"]),
            new("POST", $"/management/orgs/{o}/apps/shop/users", () => new JsonObject { ["username"] = Unique("u"), ["password"] = "user-password" }, ["username"], [], ["email"], ["username", "password"]),
            new("PUT", $"/management/orgs/{o}/apps/shop/users/alice", () => new JsonObject { ["name"] = "Alice" }, [], [], ["email"], [], ["activated"]),
            new("POST", "/management/users", () => new JsonObject { ["username"] = Unique("adm"), ["email"] = Unique("e") + "@example.com", ["password"] = "admin-password" }, ["username"], [], ["email"], ["username", "email", "password"]),
            new("POST", $"/{o}/shop/users", () => new JsonObject { ["username"] = Unique("u"), ["password"] = "user-password" }, ["username"], [], ["email"], ["username", "password"]),
            new("PUT", $"/{o}/shop", () => new JsonObject { ["accesstokenttl"] = 60_000 }, [], ["accesstokenttl"], [], []),
            new("POST", "/access/check", () => new JsonObject { ["org"] = o, ["app"] = "shop" }, ["org", "app"], [], [], ["org", "app"]),
            new("POST", "/management/token", () => new JsonObject { ["grant_type"] = "password", ["username"] = adminName, ["password"] = "admin-password" }, ["grant_type", "username"], [], [], ["grant_type", "password"]),
            new("POST", $"/{o}/shop/token", () => new JsonObject { ["grant_type"] = "password", ["username"] = "alice", ["password"] = "user-password" }, ["grant_type", "username"], [], [], ["grant_type", "password"]),
        ];

        // Positive controls: each endpoint's valid request, as the corpus sends it, succeeds.
        var controls = new List<string>();
        foreach (var target in jsonTargets)
        {
            using var request = new HttpRequestMessage(new HttpMethod(target.Method), target.Path)
            {
                Content = new StringContent(target.Valid().ToJsonString(), Encoding.UTF8, "application/json"),
            };
            if (!target.Path.EndsWith("/token", StringComparison.Ordinal))
            {
                request.Headers.Authorization = su;
            }

            using var response = await _client.Http.SendAsync(request);
            if (!response.IsSuccessStatusCode)
            {
                controls.Add($"{target.Method} {target.Path}: {(int)response.StatusCode} {Shorten(await response.Content.ReadAsStringAsync())}");
            }
        }

        Assert.True(controls.Count == 0, "Valid requests the corpus mutates were refused (so their refusals would prove nothing):\n" + string.Join('\n', controls));

        var cases = new List<(string Label, HttpRequestMessage Request)>();
        foreach (var target in jsonTargets)
        {
            var method = new HttpMethod(target.Method);
            HttpRequestMessage Json(string body, string contentType = "application/json") =>
                new(method, target.Path) { Content = new ByteArrayContent(Encoding.Latin1.GetBytes(body)) { Headers = { ContentType = new MediaTypeHeaderValue(contentType) } } };

            foreach (var (label, contentType, body) in BrokenBodies)
            {
                cases.Add(($"{target.Method} {target.Path}: {label}", Json(body, contentType)));
            }

            void Mutate(string field, JsonNode? value, string label)
            {
                var body = target.Valid();
                body[field] = value?.DeepClone();
                cases.Add(($"{target.Method} {target.Path}: {field} = {label}", Json(body.ToJsonString())));
            }

            foreach (var field in target.NameFields)
            {
                foreach (var bad in BadNames)
                {
                    Mutate(field, bad, bad?.ToJsonString() ?? "null");
                }
            }

            foreach (var field in target.NumberFields)
            {
                foreach (var bad in BadNumbers)
                {
                    Mutate(field, JsonNode.Parse(bad), bad);
                }
            }

            foreach (var field in target.FlagFields ?? [])
            {
                foreach (var bad in BadFlags)
                {
                    Mutate(field, JsonNode.Parse(bad), bad);
                }
            }

            foreach (var field in target.EmailFields)
            {
                foreach (var bad in BadEmails)
                {
                    Mutate(field, bad, bad);
                }
            }

            // Bytes that are not UTF-8 in the first member the endpoint reads.
            var firstMember = target.Valid().First().Key;
            cases.Add(($"{target.Method} {target.Path}: invalid UTF-8", Json($"{{\"{firstMember}\":\"\xff\xfe\"}}")));

            foreach (var field in target.RequiredFields)
            {
                var body = target.Valid();
                body.Remove(field);
                cases.Add(($"{target.Method} {target.Path}: without {field}", Json(body.ToJsonString())));
            }

            // A duplicated member: honouring either copy would act on something its sender may not have checked.
            var first = target.Valid();
            var (name, value) = first.First();
            var duplicated = first.ToJsonString().TrimEnd('}') + $",\"{name}\":{(value is null ? "null" : value.ToJsonString())}}}";
            cases.Add(($"{target.Method} {target.Path}: duplicated {name}", Json(duplicated)));
        }

        // OAuth endpoints take forms (and the Usergrid token path a query string).
        var appBasic = ServiceClient.BasicOf(app);
        var serverBasic = ServiceClient.BasicOf(server);
        (string Path, AuthenticationHeaderValue? Auth, string Form)[] forms =
        [
            ("/token", appBasic, ""),
            ("/token", appBasic, "grant_type=client_credentials&grant_type=client_credentials"),
            ("/token", appBasic, "grant_type=authorization_code&code=x&redirect_uri=https%3A%2F%2Fevil.example"),
            ("/token", appBasic, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=x"),
            ("/token", appBasic, "grant_type=unknown"),
            ("/token", appBasic, "grant_type=%FF%FE"),
            ("/token", appBasic, "grant_type=client_credentials&ttl=-1"),
            ("/token", appBasic, "grant_type=client_credentials&ttl=abc"),
            ("/token", appBasic, "grant_type=client_credentials&ttl=99999999999999999999"),
            ("/token", appBasic, "grant_type=client_credentials&ttl=1&ttl=2"),
            ("/token", appBasic, "grant_type=client_credentials&ttl=1e3"),
            ("/token", appBasic, "grant_type=password"),
            ("/token", appBasic, "grant_type=password&username=alice&username=bob&password=user-password"),
            ("/token", appBasic, "grant_type=password&username=al%00ice&password=user-password"),
            ("/token", appBasic, "grant_type=password&username=%D0%B0lice&password=user-password"),
            ("/token", appBasic, "grant_type=refresh_token&refresh_token=garbage"),
            ("/token", appBasic, "grant_type=refresh_token"),
            ("/token", null, "grant_type=client_credentials&client_id=" + new string('x', 300) + "&client_secret=x"),
            ("/token", null, $"grant_type=client_credentials&client_id={app.ClientId}&client_id={app.ClientId}&client_secret={app.ClientSecret}"),
            ("/token", appBasic, $"grant_type=client_credentials&client_id={app.ClientId}&client_secret={app.ClientSecret}"),
            ("/token", appBasic, "grant_type=client_credentials&" + new string('a', 70_000) + "=1"),
            ("/token", appBasic, string.Join('&', Enumerable.Range(0, 200).Select(i => $"p{i}=1")) + "&grant_type=client_credentials"),
            ("/introspect", serverBasic, ""),
            ("/introspect", serverBasic, $"token={token}&token={token}"),
            ("/introspect", serverBasic, "token=" + new string('A', 70_000)),
            ("/revoke", serverBasic, ""),
            ("/revoke", serverBasic, $"token={token}&token={token}"),
            ("/management/token", null, "grant_type=password&username=x'%20OR%201%3D1--&password=x"),
            ("/management/token", null, "grant_type=client_credentials"),
            ($"/{o}/shop/token", null, "grant_type=password&username=alice&password=wrong&password=user-password"),
        ];
        foreach (var (path, auth, form) in forms)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, path)
            {
                Content = new StringContent(form, Encoding.ASCII, "application/x-www-form-urlencoded"),
            };
            request.Headers.Authorization = auth;
            cases.Add(($"POST {path}: {Shorten(form)}", request));
        }

        // The same form sent as JSON where only forms are spoken, and a query string duplicated on the GET token path.
        cases.Add(("POST /token: JSON body", new HttpRequestMessage(HttpMethod.Post, "/token") { Content = JsonContent.Create(new { grant_type = "client_credentials" }), Headers = { Authorization = appBasic } }));
        cases.Add(("GET token: duplicated", new HttpRequestMessage(HttpMethod.Get, $"/{o}/shop/token?grant_type=password&username=alice&username=alice&password=user-password")));
        cases.Add(("GET token: look-alike org", new HttpRequestMessage(HttpMethod.Get, $"/{LookAlike(o)}/shop/token?grant_type=password&username=alice&password=user-password")));
        cases.Add(("GET management: over-long org", new HttpRequestMessage(HttpMethod.Get, "/management/orgs/" + new string('o', 300))));
        cases.Add(("GET management: SQL in path", new HttpRequestMessage(HttpMethod.Get, "/management/orgs/x'%20OR%20'1'%3D'1")));
        cases.Add(("GET management: limit out of range", new HttpRequestMessage(HttpMethod.Get, $"/management/orgs/{o}/apps?limit=-5")));
        cases.Add(("GET management: cursor garbage", new HttpRequestMessage(HttpMethod.Get, $"/management/orgs/{o}/apps?cursor=%FF%00")));
        cases.Add(("DELETE user: look-alike", new HttpRequestMessage(HttpMethod.Delete, $"/management/orgs/{o}/apps/shop/users/%D0%B0lice")));

        // Act and assert: every case answered 4xx with an error body; the database unchanged after each.
        var before = await FingerprintAsync();
        Assert.Contains("alice", before, StringComparison.Ordinal); // the comparison sees rows, columns and all
        Assert.Contains(app.ClientId, before, StringComparison.Ordinal);
        var failures = new List<string>();
        foreach (var (label, request) in cases)
        {
            using (request)
            {
                if (request.Headers.Authorization is null && !request.RequestUri!.OriginalString.Contains("/token", StringComparison.Ordinal))
                {
                    request.Headers.Authorization = su;
                }

                using var response = await _client.Http.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                var status = (int)response.StatusCode;
                if (status is < 400 or >= 500)
                {
                    failures.Add($"{label}: {status} {Shorten(text)}");
                    before = await FingerprintAsync();
                    continue;
                }

                if (status != ExpectedStatus(label))
                {
                    failures.Add($"{label}: {status} where the contract gives {ExpectedStatus(label)}: {Shorten(text)}");
                }

                if (!HasErrorBody(text))
                {
                    failures.Add($"{label}: {status} without an error body: {Shorten(text)}");
                }

                var after = await FingerprintAsync();
                if (after != before)
                {
                    failures.Add($"{label}: changed the database: {FirstDifference(before, after)}");
                    before = after;
                }
            }
        }

        output.WriteLine($"{cases.Count} bad inputs tried on {jsonTargets.Length + forms.Select(f => f.Path).Distinct().Count()} endpoints.");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} bad inputs were not refused cleanly:\n" + string.Join('\n', failures));
    }

    /// <summary>
    /// The status the contract gives each case, not just "some 4xx": 413 for a body over the limit, 415 for a body that
    /// is not JSON on a JSON endpoint, 401 for a client id no client can have, 404 where no resource or route matches,
    /// and 400 for everything else — malformed, missing, duplicated, out of range.
    /// </summary>
    private static int ExpectedStatus(string label)
    {
        var tokenPath = label.Contains("/token:", StringComparison.Ordinal);
        return label switch
        {
            _ when label.EndsWith(": huge", StringComparison.Ordinal) ||
                   label.StartsWith("POST /token: grant_type=client_credentials&aaaa", StringComparison.Ordinal) ||
                   label.StartsWith("POST /introspect: token=AAAA", StringComparison.Ordinal) => 413,
            _ when !tokenPath && (label.EndsWith(": form", StringComparison.Ordinal) || label.EndsWith(": text/plain", StringComparison.Ordinal) ||
                                  label.EndsWith(": xml", StringComparison.Ordinal)) => 415,
            _ when label.StartsWith("POST /token: grant_type=client_credentials&client_id=xxxx", StringComparison.Ordinal) => 401,
            "DELETE user: look-alike" or "GET management: SQL in path" or "GET management: over-long org" or "GET token: look-alike org" => 404,
            _ => 400,
        };
    }

    private static bool HasErrorBody(string text)
    {
        try
        {
            using var body = JsonDocument.Parse(text);
            return body.RootElement.ValueKind == JsonValueKind.Object &&
                   body.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String &&
                   !string.IsNullOrEmpty(error.GetString());
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Tables a refused request may still write to: the audit log and the failure counters (a failed
    /// authentication is recorded, by design), and the instances' heartbeats and leases (background work).</summary>
    private static readonly string[] MovingTables = ["AuditEvents", "FailureCounters", "ServiceInstances", "Leases"];

    /// <summary>Every column of every row of every other table, in key order.</summary>
    private async Task<string> FingerprintAsync()
    {
        await using var scope = _factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>();
        var dump = new StringBuilder();
        foreach (var entity in db.Model.GetEntityTypes().OrderBy(e => e.GetTableName(), StringComparer.Ordinal))
        {
            if (entity.GetTableName() is not { } table || MovingTables.Contains(table))
            {
                continue;
            }

            var rows = await ((IQueryable<object>)typeof(DbContext).GetMethod(nameof(DbContext.Set), Type.EmptyTypes)!
                .MakeGenericMethod(entity.ClrType).Invoke(db, null)!).AsNoTracking().ToListAsync();
            var lines = rows.Select(row => string.Join('|', entity.GetProperties().Select(p => p.PropertyInfo?.GetValue(row) ?? p.FieldInfo?.GetValue(row))
                .Select(v => v is DateTime or DateTimeOffset ? ((IFormattable)v).ToString("O", System.Globalization.CultureInfo.InvariantCulture) : v?.ToString())));
            dump.Append(table).Append('\n').AppendJoin('\n', lines.Order(StringComparer.Ordinal)).Append('\n');
        }

        return dump.ToString();
    }

    /// <summary>The same name with every Latin letter that has a Cyrillic twin replaced by it.</summary>
    private static string LookAlike(string name)
    {
        var result = name.Replace('o', 'о').Replace('a', 'а').Replace('e', 'е').Replace('c', 'с');
        Assert.NotEqual(name, result);
        return result;
    }

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    private static string FirstDifference(string before, string after)
    {
        var (old, now) = (before.Split('\n'), after.Split('\n'));
        var index = Enumerable.Range(0, Math.Min(old.Length, now.Length)).FirstOrDefault(i => old[i] != now[i], Math.Min(old.Length, now.Length));
        return $"'{Shorten(index < old.Length ? old[index] : "")}' -> '{Shorten(index < now.Length ? now[index] : "")}'";
    }

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..120] + "…";

}
