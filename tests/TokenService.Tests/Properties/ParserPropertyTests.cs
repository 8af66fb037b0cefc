using System.Net;
using System.Text;
using CsCheck;
using Microsoft.AspNetCore.Http;
using TokenService.Callers;
using TokenService.Compat;
using TokenService.Principals;
using TokenService.Security;
using TokenService.Tokens;

namespace TokenService.Tests.Properties;

/// <summary>
/// The parsers an attacker reaches first, each over thousands of generated inputs: none throws on anything, and what
/// a client encodes by the rules comes back out exactly.
/// </summary>
public sealed class ParserPropertyTests
{
    /// <summary>Generated inputs per property.</summary>
    public const int Iterations = 5_000;

    // Any UTF-16 text, lone surrogates and control characters included, and text made of the characters that matter.
    private static readonly Gen<string> AnyText = Gen.String[Gen.Char, 0, 80];
    private static readonly Gen<string> Tricky = Gen.String[Gen.Char[":%+=/ \t\"';,\\\u0000\u00e9\u20ac=abcAZ09-_.~"], 0, 40];
    private static readonly Gen<string> WellFormedText = Gen.String[Gen.Char.Where(c => !char.IsSurrogate(c)), 0, 60];

    [Fact]
    public void BasicDecoding_AnyHeaderValue_NeverThrows() =>
        Gen.OneOf(AnyText, Tricky, Tricky.Select(t => Convert.ToBase64String(Encoding.UTF8.GetBytes(t))))
            .Sample(value => { _ = CredentialResolver.TryDecodeBasic(value, out _, out _); }, iter: Iterations);

    [Fact]
    public void BasicDecoding_IdAndSecretEncodedAsRfc6749Says_RoundTrip() =>
        Gen.Select(Gen.OneOf(WellFormedText, Tricky).Where(s => s.Length > 0 && !s.Any(char.IsSurrogate)),
                   Gen.OneOf(WellFormedText, Tricky).Where(s => !s.Any(char.IsSurrogate)))
            .Sample((id, secret) =>
            {
                // RFC 6749 §2.3.1: each form-url-encoded, joined by a colon, then base64.
                var header = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{WebUtility.UrlEncode(id)}:{WebUtility.UrlEncode(secret)}"));
                return CredentialResolver.TryDecodeBasic(header, out var decodedId, out var decodedSecret) &&
                       decodedId == id && decodedSecret == secret;
            }, iter: Iterations);

    [Fact]
    public void Ttl_AnyRequestedValue_IsALifetimeOrARefusalNamingTheMaximum_NeverAnException() =>
        Gen.Select(Gen.Long[0, 10_000_000_000L], Gen.OneOf(AnyText, Tricky, Gen.Long.Select(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture))))
            .Sample((maximum, requested) =>
            {
                var decision = TtlPolicy.Decide(maximum, requested);
                return decision.Error is null
                    ? decision.Lifetime is null ? maximum == 0 && (requested is "0" or "00" || requested.All(c => c == '0'))
                                                : decision.Lifetime.Value.TotalMilliseconds > 0
                    : decision.Lifetime is null && decision.Error.Contains("maximum", StringComparison.Ordinal);
            }, iter: Iterations);

    [Fact]
    public void Ttl_AWholeNumberUpToTheMaximum_IsTheLifetimeToTheMillisecond() =>
        Gen.Long[1, 10_000_000_000L].SelectMany(maximum => Gen.Long[1, maximum].Select(ttl => (maximum, ttl)))
            .Sample(pair => TtlPolicy.Decide(pair.maximum, pair.ttl.ToString(System.Globalization.CultureInfo.InvariantCulture)).Lifetime ==
                            TimeSpan.FromMilliseconds(pair.ttl), iter: Iterations);

    [Fact]
    public void Ttl_AboveTheMaximumOrNegative_IsRefused() =>
        Gen.Long[1, 10_000_000_000L].SelectMany(maximum => Gen.OneOf(Gen.Long[maximum + 1, long.MaxValue], Gen.Long[long.MinValue, -1]).Select(ttl => (maximum, ttl)))
            .Sample(pair => TtlPolicy.Decide(pair.maximum, pair.ttl.ToString(System.Globalization.CultureInfo.InvariantCulture)).Error is not null,
                iter: Iterations);

    [Fact]
    public void UsergridPathMatching_AnyPath_NeverThrows() =>
        Gen.OneOf(AnyText, Tricky, Tricky.Select(t => "/" + t + "/token"), Gen.Select(Tricky, Tricky).Select((a, b) => $"/{a}/{b}/token"))
            .Sample(path =>
            {
                var value = path.StartsWith('/') ? path : "/" + path;
                _ = UsergridTokenPaths.TryMatch(new PathString(value), out _, out _);
            }, iter: Iterations);

    [Fact]
    public void UsergridPathMatching_ValidOrgAndAppNames_AreFound() =>
        Gen.Select(Name, Name)
            .Where((org, _) => TokenService.Tenants.Names.IsValidOrganization(org) && org != "management")
            .Sample((org, app) => UsergridTokenPaths.TryMatch(new PathString($"/{org}/{app}/token"), out var o, out var a) && o == org && a == app,
                iter: Iterations);

    [Fact]
    public void ContentTypeCheck_AnyHeaderValue_NeverThrows_AndAcceptsTheTypesClientsSend() =>
        Gen.OneOf(AnyText, Tricky, Tricky.Select(t => "application/x-www-form-urlencoded" + t), Tricky.Select(t => "application/json" + t))
            .Sample(value =>
            {
                _ = SecurityExtensions.IsAcceptableContentType(value);
                return SecurityExtensions.IsAcceptableContentType("application/x-www-form-urlencoded") &&
                       SecurityExtensions.IsAcceptableContentType("application/x-www-form-urlencoded; charset=utf-8") &&
                       SecurityExtensions.IsAcceptableContentType("application/json; charset=utf-8");
            }, iter: Iterations);

    /// <summary>Names the contract allows: <c>^[a-z0-9][a-z0-9-]{0,63}$</c>.</summary>
    private static readonly Gen<string> Name =
        Gen.Select(Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789"], Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-"], 0, 63])
            .Select((first, rest) => first + rest);
}

/// <summary>
/// Duplicate-member detection with the service's own JSON settings (taken from a host): any member sent twice is
/// refused, whatever the values; sent once, it is read back exactly. Numbers are JSON numbers only.
/// </summary>
[Collection(Infrastructure.SharedHost.Name)]
public sealed class JsonSettingsPropertyTests(Infrastructure.TokenServiceFactory factory)
{
    private System.Text.Json.JsonSerializerOptions Options =>
        Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>(factory.Services).Value.SerializerOptions;

    [Fact]
    public void AMemberSentTwice_IsRefused_WhateverTheValues()
    {
        var options = Options;
        Gen.Select(Gen.Long, Gen.Long, Gen.Bool)
            .Sample((first, second, secured) =>
            {
                var json = $"{{\"secured\":{(secured ? "true" : "false")},\"accesstokenttl\":{first},\"accesstokenttl\":{second}}}";
                try
                {
                    System.Text.Json.JsonSerializer.Deserialize<TokenService.Management.UpdateSettingsRequest>(json, options);
                    return false;
                }
                catch (System.Text.Json.JsonException)
                {
                    return true;
                }
            }, iter: ParserPropertyTests.Iterations);
    }

    [Fact]
    public void AMemberSentOnce_IsReadExactly_AndNeverFromAString()
    {
        var options = Options;
        Gen.Long.Sample(value =>
        {
            var read = System.Text.Json.JsonSerializer.Deserialize<TokenService.Management.UpdateSettingsRequest>($"{{\"accesstokenttl\":{value}}}", options);
            try
            {
                System.Text.Json.JsonSerializer.Deserialize<TokenService.Management.UpdateSettingsRequest>($"{{\"accesstokenttl\":\"{value}\"}}", options);
                return false;
            }
            catch (System.Text.Json.JsonException)
            {
                return read!.AccessTokenTtl == value;
            }
        }, iter: ParserPropertyTests.Iterations);
    }
}

/// <summary>
/// Credential-form resolution over generated combinations of the four places a credential may sit, each empty, garbage,
/// sent twice, or a real value: it never throws, garbage never authenticates anyone, and two forms at once are refused.
/// </summary>
[Collection(Infrastructure.SharedHost.Name)]
public sealed class CredentialFormPropertyTests(Infrastructure.TokenServiceFactory factory)
{
    [Fact]
    public async Task AnyCombinationOfCredentialForms_NeverThrows_AndGarbageNeverAuthenticates()
    {
        // Arrange: one real client among the generated values.
        using var client = factory.CreateServiceClient();
        var org = await client.CreateOrgAsync();
        var value = Gen.OneOf(
            Gen.Const(Microsoft.Extensions.Primitives.StringValues.Empty),
            Gen.String[Gen.Char, 0, 60].Select(s => new Microsoft.Extensions.Primitives.StringValues(s)),
            Gen.Const(new Microsoft.Extensions.Primitives.StringValues(["a", "b"])),
            Gen.Const(new Microsoft.Extensions.Primitives.StringValues("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("x:y")))),
            Gen.Const(new Microsoft.Extensions.Primitives.StringValues("Bearer " + new string('A', 43))),
            Gen.Const(new Microsoft.Extensions.Primitives.StringValues(org.Sandbox.ClientId)));
        var presented = Gen.Select(value, value, value, value);

        // Act and assert, sequentially (each resolution may read and write the database).
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var samples = presented.Array[ParserPropertyTests.Iterations / 5, ParserPropertyTests.Iterations / 5].Single();
        await using var scope = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.CreateAsyncScope(factory.Services);
        var resolver = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<CredentialResolver>(scope.ServiceProvider);
        foreach (var (authorization, accessToken, clientId, clientSecret) in samples)
        {
            var forms = (authorization.Count > 0 && !string.IsNullOrEmpty(authorization) ? 1 : 0) + (accessToken.Count > 0 ? 1 : 0) +
                        (clientId.Count > 0 || clientSecret.Count > 0 ? 1 : 0);
            CredentialResult result;
            try
            {
                result = await resolver.ResolveAsync(new PresentedCredentials(authorization, accessToken, clientId, clientSecret));
            }
            catch (Exception exception)
            {
                failures.Add($"threw {exception.GetType().Name} for {authorization}|{accessToken}|{clientId}|{clientSecret}");
                continue;
            }

            if (result.Caller is { Type: not PrincipalType.Guest })
            {
                failures.Add($"authenticated {result.Caller.Type} from generated values {authorization}|{accessToken}|{clientId}|{clientSecret}");
            }

            if (forms > 1 && result.Failure?.Status != 400)
            {
                failures.Add($"two credential forms were not refused with 400: {authorization}|{accessToken}|{clientId}|{clientSecret}");
            }
        }

        Assert.True(failures.IsEmpty, string.Join('\n', failures.Take(10)));
    }
}
