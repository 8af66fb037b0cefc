using System.Text;
using System.Text.Json;
using TokenService.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TokenService.Tests.Security;

/// <summary>
/// Malformed and unusual headers on every kind of endpoint: each answered by a 4xx with the service's JSON error body,
/// or a success — never a 5xx. The body-and-parameter corpus is <see cref="BadInputTests"/>; this one mutates headers.
/// </summary>
[Collection(SharedHost.Name)]
public sealed class HeaderMutationTests(TokenServiceFactory factory, ITestOutputHelper output)
{
    private static readonly string[] ContentTypes =
    [
        "application/x-www-form-urlencoded==", "application/x-www-form-urlencoded0x10", "application/x-www-form-urlencoded'",
        "application/x-www-form-urlencoded; charset", "application/x-www-form-urlencoded; charset=", "application/x-www-form-urlencoded; charset=\"",
        "application/x-www-form-urlencoded; charset=utf-32", "application/x-www-form-urlencoded; charset=nonsense", "application/x-www-form-urlencoded;;",
        "application/x-www-form-urlencoded; boundary=\"", "application/x-www-form-urlencoded,application/json", "application/json; charset=utf-8=",
        "application/json;", "application/json; charset=latin1", "application/json\"", "multipart/form-data", "multipart/form-data; boundary=",
        "multipart/form-data; boundary=abc", "text/plain", "*/*", "application/*", "", " ", ";", "=", "/", "application/", "/json",
        "a/b/c", "application/x-www-form-urlencoded\t", "APPLICATION/X-WWW-FORM-URLENCODED", "application/json; q=0.5",
    ];

    private static readonly string[] Authorizations =
    [
        "Basic", "Basic ", "Basic =", "Basic ====", "Basic Og==", "Basic " + B64(":"), "Basic " + B64("a"), "Basic " + B64("a:b:c"),
        "Basic " + B64("%zz:%zz"), "Basic " + B64("\u0000:\u0000"), "Basic !!!", "Bearer", "Bearer ", "Bearer \"x\"", "Bearer a b",
        "Bearer " + new string('A', 5000), "Digest x", "basic " + B64("a:b"), "Basic " + B64("a:b") + ", Bearer x", "\u00e9",
    ];

    private static readonly string[] Accepts =
    [
        "application/xml", "text/html", "image/png", "*/*;q=abc", "application/json;q=-1", "application/json;;", ",,,", "\"",
        "application/json, text/plain;q=0", "a/b/c", new string('x', 4000), "application/*+json;charset=\"",
    ];

    private static string B64(string value) => Convert.ToBase64String(Encoding.UTF8.GetBytes(value));

    [Fact]
    public async Task EveryEndpoint_MutatedHeaders_AreAnswered4xxWithAnErrorBodyOrServed_NeverA5xx()
    {
        // Arrange
        using var client = factory.CreateServiceClient("192.0.2.77");
        var org = await client.CreateOrgAsync();
        var targets = new (HttpMethod Method, string Path, string Body)[]
        {
            (HttpMethod.Post, "/token", "grant_type=client_credentials"),
            (HttpMethod.Post, "/introspect", "token=abc"),
            (HttpMethod.Post, "/revoke", "token=abc"),
            (HttpMethod.Post, $"/{org.Name}/sandbox/token", "{\"grant_type\":\"password\",\"username\":\"x\",\"password\":\"y\"}"),
            (HttpMethod.Post, "/management/token", "grant_type=password&username=x&password=y"),
            (HttpMethod.Post, "/management/orgs", "{\"organization\":\"x\"}"),
            (HttpMethod.Post, $"/management/orgs/{org.Name}/apps", "{\"name\":\"x\"}"),
            (HttpMethod.Put, $"/management/orgs/{org.Name}", "{\"accesstokenttl\":1000}"),
            (HttpMethod.Post, $"/{org.Name}/sandbox/users", "{\"username\":\"x\",\"password\":\"password-1\"}"),
            (HttpMethod.Post, "/access/check", "{\"org\":\"x\",\"app\":\"y\"}"),
        };

        // Act
        var failures = new List<string>();
        var sent = 0;
        foreach (var (method, path, body) in targets)
        {
            foreach (var contentType in ContentTypes)
            {
                failures.AddRange(await SendAsync(client, method, path, body, contentType, ServiceClient.BasicOf(org.Client).ToString()));
                sent++;
            }

            foreach (var authorization in Authorizations)
            {
                failures.AddRange(await SendAsync(client, method, path, body, body.StartsWith('{') ? "application/json" : "application/x-www-form-urlencoded", authorization));
                sent++;
            }

            foreach (var accept in Accepts)
            {
                failures.AddRange(await SendAsync(client, method, path, body, body.StartsWith('{') ? "application/json" : "application/x-www-form-urlencoded",
                    ServiceClient.BasicOf(org.Client).ToString(), accept));
                sent++;
            }
        }

        // Assert
        output.WriteLine($"{sent} header mutations sent to {targets.Length} endpoints.");
        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} mutated requests were not refused cleanly:\n" + string.Join("\n", failures.Take(30)));
    }

    private static async Task<IEnumerable<string>> SendAsync(ServiceClient client, HttpMethod method, string path, string body, string contentType,
        string authorization, string? accept = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        using var response = await client.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var label = $"{method} {path} Content-Type: {contentType} Authorization: {authorization[..Math.Min(30, authorization.Length)]}";
        if ((int)response.StatusCode >= 500)
        {
            return [$"{label}: {(int)response.StatusCode} {text[..Math.Min(200, text.Length)]}"];
        }

        if ((int)response.StatusCode >= 400)
        {
            try
            {
                var error = JsonSerializer.Deserialize<JsonElement>(text);
                if (error.ValueKind != JsonValueKind.Object || !error.TryGetProperty("error", out _))
                {
                    return [$"{label}: {(int)response.StatusCode} without an error member: {text[..Math.Min(200, text.Length)]}"];
                }
            }
            catch (JsonException)
            {
                return [$"{label}: {(int)response.StatusCode} without a JSON body: {text[..Math.Min(200, text.Length)]}"];
            }
        }

        return [];
    }
}
