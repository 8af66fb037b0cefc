using TokenService.Principals;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace TokenService.Tests.Principals;

/// <summary>The kinds table: one row per kind, in order, and the facts other rooms read from it.</summary>
public sealed class PrincipalKindsTests
{
    [Fact]
    public void All_HasOneRowPerKind_InTheEnumsOrder()
    {
        var kinds = Enum.GetValues<PrincipalType>();

        Assert.Equal(kinds.Length, PrincipalKinds.All.Count);
        Assert.All(kinds, type => Assert.Equal(type, PrincipalKinds.Of(type).Type));
        Assert.Equal(PrincipalKinds.All.Count, PrincipalKinds.All.Select(k => k.WireName).Distinct().Count());
    }

    [Theory]
    [InlineData("org_abc", PrincipalType.OrgClient)]
    [InlineData("app_abc", PrincipalType.AppClient)]
    [InlineData("rs_abc", PrincipalType.ResourceServer)]
    public void ByClientId_APrefix_FindsItsKindAndItsLookup(string clientId, PrincipalType type)
    {
        var kind = PrincipalKinds.ByClientId(clientId);

        Assert.Equal(type, kind?.Type);
        Assert.NotNull(kind!.FindByClientId);
    }

    [Theory]
    [InlineData("pub_abc")]
    [InlineData("superuser")]
    [InlineData("management")]
    [InlineData("ORG_abc")]
    public void ByClientId_NoKindsPrefix_FindsNone(string clientId) => Assert.Null(PrincipalKinds.ByClientId(clientId));

    [Fact]
    public void FromWire_OnlyKindsTokensAreIssuedTo_RoundTrip()
    {
        foreach (var kind in PrincipalKinds.All)
        {
            Assert.Equal(kind.OnTokens ? kind.Type : null, PrincipalKinds.FromWire(kind.WireName));
            Assert.Equal(kind.OnTokens ? kind.WireName : null, kind.TokenWireName);
        }

        Assert.Null(PrincipalKinds.FromWire("superuser"));
        Assert.Null(PrincipalKinds.FromWire(null));
    }

    [Fact]
    public void ClientPermissions_OnlyOrgAndAppClientsObtainTokensOfTheirOwn_AndResourceServersOnlyIntrospect()
    {
        Assert.Equal([PrincipalType.OrgClient, PrincipalType.AppClient], PrincipalKinds.All.Where(k => k.ObtainsOwnTokens).Select(k => k.Type));
        Assert.Equal([Permissions.Endpoints.Introspection], PrincipalKinds.Of(PrincipalType.ResourceServer).ClientPermissions);
        Assert.Equal([PrincipalType.AdminUser, PrincipalType.AppUser], PrincipalKinds.All.Where(k => k.IsUser).Select(k => k.Type));
    }
}
