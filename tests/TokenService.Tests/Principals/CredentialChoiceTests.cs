using System.Text;
using Microsoft.Extensions.Primitives;
using TokenService.Callers;

namespace TokenService.Tests.Principals;

/// <summary>
/// The choice among credential forms (CONTRACT §3), tested directly on <see cref="CredentialResolver.Choose"/>
/// without a host: which form a request presents, and which mixes are refused before any lookup.
/// </summary>
public sealed class CredentialChoiceTests
{
    private static readonly string BasicOfIdAndSecret = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("b3U6abc:s%3Acret"));

    [Fact]
    public void Choose_NothingPresented_IsAGuest()
    {
        var choice = CredentialResolver.Choose(Presented());

        Assert.Equal(CredentialForm.None, choice.Form);
    }

    [Theory]
    [InlineData("Bearer abc.def", "abc.def")]
    [InlineData("bearer abc.def", "abc.def")]
    public void Choose_BearerHeader_IsTheToken(string header, string token)
    {
        var choice = CredentialResolver.Choose(Presented(authorization: header));

        Assert.Equal((CredentialForm.Token, token), (choice.Form, choice.Token));
    }

    [Fact]
    public void Choose_AccessTokenParameter_IsTheToken()
    {
        var choice = CredentialResolver.Choose(Presented(accessToken: "abc.def"));

        Assert.Equal((CredentialForm.Token, "abc.def"), (choice.Form, choice.Token));
    }

    [Fact]
    public void Choose_ClientIdAndSecretParameters_AreTheClientAsItself()
    {
        var choice = CredentialResolver.Choose(Presented(clientId: "YXA6x", clientSecret: "secret"));

        Assert.Equal((CredentialForm.ClientSecret, "YXA6x", "secret"), (choice.Form, choice.ClientId, choice.Secret));
    }

    [Fact]
    public void Choose_BasicHeader_IsTheClientWithItsFormEncodingUndone()
    {
        var choice = CredentialResolver.Choose(Presented(authorization: BasicOfIdAndSecret));

        Assert.Equal((CredentialForm.Basic, "b3U6abc", "s:cret"), (choice.Form, choice.ClientId, choice.Secret));
    }

    [Theory]
    [InlineData("Bearer", "auth_bad_access_token")]
    [InlineData("Bearer ", "auth_bad_access_token")]
    [InlineData("Digest abc", "auth_bad_access_token")]
    [InlineData("Basic !!!not-base64", "invalid_client")]
    [InlineData("Basic bm9jb2xvbg==", "invalid_client")]
    public void Choose_UnusableAuthorizationHeader_IsRefusedWithItsCode(string header, string error)
    {
        var choice = CredentialResolver.Choose(Presented(authorization: header));

        Assert.Equal((CredentialForm.Refused, error), (choice.Form, choice.Refusal!.Error));
    }

    [Theory]
    [InlineData("YXA6x", null)]
    [InlineData(null, "secret")]
    public void Choose_HalfOfAClientPair_Is400(string? clientId, string? clientSecret)
    {
        var choice = CredentialResolver.Choose(Presented(clientId: clientId, clientSecret: clientSecret));

        Assert.Equal((CredentialForm.Refused, 400), (choice.Form, choice.Refusal!.Status));
    }

    [Fact]
    public void Choose_AParameterSentTwice_Is400()
    {
        var choice = CredentialResolver.Choose(new PresentedCredentials(
            StringValues.Empty, new StringValues(["a", "b"]), StringValues.Empty, StringValues.Empty));

        Assert.Equal((CredentialForm.Refused, 400), (choice.Form, choice.Refusal!.Status));
    }

    /// <summary>Every combination of the three forms: exactly one is chosen, two or more are refused with 400.</summary>
    [Theory]
    [MemberData(nameof(Mixes))]
    public void Choose_AnyMixOfForms_OneIsChosenTwoOrMoreAreRefused(int header, bool token, int client)
    {
        var presented = Presented(
            authorization: header switch { 1 => "Bearer t.t", 2 => BasicOfIdAndSecret, _ => null },
            accessToken: token ? "t.t" : null,
            clientId: client is 1 or 3 ? "YXA6x" : null,
            clientSecret: client is 2 or 3 ? "secret" : null);
        var forms = (header > 0 ? 1 : 0) + (token ? 1 : 0) + (client > 0 ? 1 : 0);

        var choice = CredentialResolver.Choose(presented);

        var expected = forms switch
        {
            0 => CredentialForm.None,
            > 1 => CredentialForm.Refused,
            _ when token || header == 1 => CredentialForm.Token,
            _ when header == 2 => CredentialForm.Basic,
            _ => client == 3 ? CredentialForm.ClientSecret : CredentialForm.Refused,
        };
        Assert.Equal(expected, choice.Form);
        Assert.True(expected != CredentialForm.Refused || choice.Refusal!.Status == 400);
    }

    /// <summary>No header, Bearer, Basic × no token, token × no client, id only, secret only, both: all 24.</summary>
    public static TheoryData<int, bool, int> Mixes()
    {
        var data = new TheoryData<int, bool, int>();
        foreach (var header in new[] { 0, 1, 2 })
        {
            foreach (var token in new[] { false, true })
            {
                foreach (var client in new[] { 0, 1, 2, 3 })
                {
                    data.Add(header, token, client);
                }
            }
        }

        return data;
    }

    private static PresentedCredentials Presented(
        string? authorization = null, string? accessToken = null, string? clientId = null, string? clientSecret = null) =>
        new(new StringValues(authorization), new StringValues(accessToken), new StringValues(clientId), new StringValues(clientSecret));
}
