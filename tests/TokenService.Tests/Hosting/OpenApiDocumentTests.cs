using System.Net.Http.Json;
using System.Text.Json;
using TokenService.Tests.Infrastructure;

namespace TokenService.Tests.Hosting;

/// <summary>
/// The OpenAPI document, now derived from the handlers' typed results, against <c>openapi-baseline.txt</c>: the
/// facts the hand-written filter produced before (paths, methods, parameters, bodies, error statuses and their
/// bodies, security requirements, schemes), one per line. Nothing of it may go missing.
/// </summary>
[Collection(SharedHost.Name)]
public sealed class OpenApiDocumentTests(TokenServiceFactory factory) : IDisposable
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    private readonly ServiceClient _client = factory.CreateServiceClient();

    [Fact]
    public async Task Document_ComparedWithTheBaseline_LosesNothing()
    {
        var baseline = await File.ReadAllLinesAsync(Path.Combine(AppContext.BaseDirectory, "Hosting", "openapi-baseline.txt"));

        Assert.True(baseline.Length > 800, "the baseline is the pre-typed-results document's 890 facts");
        var facts = Facts(await DocumentAsync());

        var missing = baseline.Where(line => line.Length > 0 && !facts.Contains(line)).ToList();
        Assert.True(missing.Count == 0, "No longer documented:\n" + string.Join('\n', missing));
    }

    [Fact]
    public async Task ManagementOperations_EachDescribeTheirSuccessBodyFromTheHandlersType()
    {
        var document = await DocumentAsync();

        var undescribed = new List<string>();
        foreach (var (key, operation) in Operations(document))
        {
            if (!key.Contains("/management/", StringComparison.Ordinal) || key.EndsWith("/token", StringComparison.Ordinal))
            {
                continue;
            }

            var success = operation.GetProperty("responses").EnumerateObject().Where(r => r.Name.StartsWith('2')).ToList();
            if (success.Count != 1 || !success[0].Value.TryGetProperty("content", out var content) ||
                !content.TryGetProperty("application/json", out var json) || !json.GetProperty("schema").TryGetProperty("$ref", out _))
            {
                undescribed.Add(key);
            }
        }

        Assert.Empty(undescribed);
    }

    [Theory]
    [InlineData("POST /management/orgs/{org}/apps", "201", "ApplicationCreatedResponse")]
    [InlineData("POST /management/orgs", "201", "OrganizationCreatedResponse")]
    [InlineData("GET /management/orgs/{org}/apps", "200", "ApplicationResponsePage")]
    [InlineData("PUT /management/orgs/{org}/apps/{app}", "200", "ApplicationResponse")]
    [InlineData("POST /management/orgs/{org}/credentials", "200", "CredentialsResponse")]
    public async Task SuccessResponse_IsTheStatusAndTypeTheHandlerReturns(string operation, string status, string schema)
    {
        var document = await DocumentAsync();

        var found = Operations(document).Single(o => o.Key == operation).Value;

        var reference = found.GetProperty("responses").GetProperty(status).GetProperty("content")
            .GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString();
        Assert.EndsWith("/" + schema, reference, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErrorResponses_SayWhichErrorCodesTheyCarry()
    {
        var document = await DocumentAsync();

        var responses = Operations(document).Single(o => o.Key == "POST /management/orgs/{org}/apps").Value.GetProperty("responses");

        Assert.StartsWith("invalid_request", responses.GetProperty("400").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains("auth_bad_access_token", responses.GetProperty("401").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("duplicate_unique_property_exists", responses.GetProperty("409").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("temporarily_unavailable", responses.GetProperty("429").GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    public void Dispose() => _client.Dispose();

    private async Task<JsonElement> DocumentAsync() =>
        await _client.Http.GetFromJsonAsync<JsonElement>("/swagger/v1/swagger.json");

    private static IEnumerable<KeyValuePair<string, JsonElement>> Operations(JsonElement document)
    {
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => Methods.Contains(o.Name)))
            {
                yield return new($"{operation.Name.ToUpperInvariant()} {path.Name}", operation.Value);
            }
        }
    }

    /// <summary>The document as lines of facts; a 2xx is "2xx", since a handler's exact success status is its own test.</summary>
    private static HashSet<string> Facts(JsonElement document)
    {
        var facts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, operation) in Operations(document))
        {
            facts.Add(key);
            if (operation.TryGetProperty("parameters", out var parameters))
            {
                foreach (var parameter in parameters.EnumerateArray())
                {
                    facts.Add($"{key} parameter {parameter.GetProperty("name").GetString()} in {parameter.GetProperty("in").GetString()}");
                }
            }

            if (operation.TryGetProperty("requestBody", out var body) && body.TryGetProperty("content", out var bodyContent))
            {
                foreach (var media in bodyContent.EnumerateObject())
                {
                    facts.Add($"{key} body {media.Name} {SchemaName(media.Value)}");
                }
            }

            foreach (var response in operation.GetProperty("responses").EnumerateObject())
            {
                var success = response.Name.StartsWith('2');
                var status = success ? "2xx" : response.Name;
                facts.Add($"{key} response {status}");
                if (!success && response.Value.TryGetProperty("content", out var content))
                {
                    foreach (var media in content.EnumerateObject())
                    {
                        facts.Add($"{key} response {status} {media.Name} {SchemaName(media.Value)}");
                    }
                }
            }

            if (operation.TryGetProperty("security", out var security))
            {
                foreach (var requirement in security.EnumerateArray())
                {
                    facts.Add($"{key} security {string.Join('+', requirement.EnumerateObject().Select(s => s.Name).Order(StringComparer.Ordinal))}");
                }
            }
        }

        foreach (var scheme in document.GetProperty("components").GetProperty("securitySchemes").EnumerateObject())
        {
            var where = scheme.Value.TryGetProperty("scheme", out var http) ? http.GetString() : scheme.Value.GetProperty("in").GetString();
            facts.Add($"scheme {scheme.Name} {scheme.Value.GetProperty("type").GetString()} {where}");
        }

        return facts;
    }

    private static string SchemaName(JsonElement media)
    {
        if (!media.TryGetProperty("schema", out var schema))
        {
            return "-";
        }

        return schema.TryGetProperty("$ref", out var reference) ? reference.GetString()!.Split('/')[^1]
            : schema.TryGetProperty("type", out var type) ? type.GetString()! : "-";
    }
}
