using TokenService.Principals;

namespace TokenService.Tests.Principals;

/// <summary>
/// The powers rule, called directly (the HTTP matrix of PermissionMatrixTests exercises it through every endpoint):
/// one caller of each kind, in and out of its tenant.
/// </summary>
public sealed class PowersTests
{
    private static readonly Guid Acme = Guid.NewGuid();
    private static readonly Guid Other = Guid.NewGuid();
    private static readonly Guid Shop = Guid.NewGuid();
    private static readonly Guid Blog = Guid.NewGuid();
    private static readonly Guid UserId = Guid.NewGuid();

    private static readonly Caller Superuser = new(PrincipalType.Superuser, "superuser");
    private static readonly Caller Guest = Caller.Guest;
    private static readonly Caller OrgClient = new(PrincipalType.OrgClient, "org_a", Acme, "acme");
    private static readonly Caller AppClient = new(PrincipalType.AppClient, "app_a", Acme, "acme", Shop, "shop");
    private static readonly Caller ResourceServer = new(PrincipalType.ResourceServer, "rs_a", Acme, "acme");
    private static readonly Caller AppUser = new(PrincipalType.AppUser, UserId.ToString(), Acme, "acme", Shop, "shop", "ann");
    private static readonly Caller Admin = new(PrincipalType.AdminUser, Guid.NewGuid().ToString(), Username: "bob")
    {
        Memberships = [new Membership(Acme, "acme")],
    };

    public static TheoryData<string, bool, bool, bool> ManageRows => new()
    {
        // caller, manages acme, manages acme/shop, manages acme/blog
        { nameof(Superuser), true, true, true },
        { nameof(OrgClient), true, true, true },
        { nameof(Admin), true, true, true },
        { nameof(AppClient), false, true, false },
        { nameof(ResourceServer), false, false, false },
        { nameof(AppUser), false, false, false },
        { nameof(Guest), false, false, false },
    };

    [Theory]
    [MemberData(nameof(ManageRows))]
    public void CanManage_EachKind_ReachesItsOwnTenantOnly(string name, bool org, bool shop, bool blog)
    {
        var caller = Of(name);

        Assert.Equal(org, Powers.CanManageOrg(caller, "acme"));
        Assert.Equal(shop, Powers.CanManageApp(caller, "acme", "shop"));
        Assert.Equal(blog, Powers.CanManageApp(caller, "acme", "blog"));
        Assert.Equal(caller == Superuser, Powers.CanManageOrg(caller, "other"));
    }

    public static TheoryData<string, bool, bool, bool, bool> TokenRows => new()
    {
        // caller, acme/shop app token, acme/blog app token, the user's own token, another org's token
        { nameof(Superuser), true, true, true, true },
        { nameof(OrgClient), true, true, true, false },
        { nameof(ResourceServer), true, true, true, false },
        { nameof(Admin), true, true, true, false },
        { nameof(AppClient), true, false, true, false },
        { nameof(AppUser), false, false, true, false },
        { nameof(Guest), false, false, false, false },
    };

    [Theory]
    [MemberData(nameof(TokenRows))]
    public void CanReachToken_EachKind_ReachesTheTokensOfItsScope(string name, bool shopToken, bool blogToken, bool userToken, bool foreignToken)
    {
        var caller = Of(name);

        Assert.Equal(shopToken, Powers.CanReachToken(caller, new TokenScope(Acme, Shop, "app_a")));
        Assert.Equal(blogToken, Powers.CanReachToken(caller, new TokenScope(Acme, Blog, "app_b")));
        Assert.Equal(userToken, Powers.CanReachToken(caller, new TokenScope(Acme, Shop, UserId.ToString())));
        Assert.Equal(foreignToken, Powers.CanReachToken(caller, new TokenScope(Other, Guid.NewGuid(), "app_x")));
    }

    [Fact]
    public void CanSeeToken_ItsPresenter_SeesItWhateverItsPowers()
    {
        var foreign = new TokenScope(Other, Guid.NewGuid(), "app_x");

        Assert.True(Powers.CanSeeToken("app_x", null, ["app_x"], foreign));
        Assert.False(Powers.CanSeeToken("app_a", AppClient, ["app_x"], foreign));
    }

    [Theory]
    [InlineData(nameof(Guest), false, true)]
    [InlineData(nameof(AppUser), true, true)]
    [InlineData(nameof(AppClient), true, true)]
    [InlineData(nameof(ResourceServer), false, false)]
    [InlineData(nameof(OrgClient), true, true)]
    public void CanUseApp_SecuredOrOpen_AsTheAccessCheckAnswers(string name, bool secured, bool open)
    {
        var caller = Of(name);

        Assert.Equal(secured, Powers.CanUseApp(caller, "acme", "shop", secured: true));
        Assert.Equal(open, Powers.CanUseApp(caller, "acme", "shop", secured: false));
    }

    [Fact]
    public void CanUseApp_AUserOfAnotherApp_IsRefusedEvenWhenOpen()
    {
        Assert.False(Powers.CanUseApp(AppUser, "acme", "blog", secured: true));
    }

    [Theory]
    [InlineData(nameof(Superuser), true, true, true)]
    [InlineData(nameof(ResourceServer), true, true, false)]
    [InlineData(nameof(OrgClient), true, true, false)]
    [InlineData(nameof(AppClient), false, false, false)]
    [InlineData(nameof(Admin), false, false, false)]
    [InlineData(nameof(Guest), false, false, false)]
    public void AccessCheck_OnlyAnApiOfTheOrgOrTheSuperuser_MayAsk(string name, bool ask, bool aboutOwn, bool aboutOther)
    {
        var caller = Of(name);

        Assert.Equal(ask, Powers.CanAskAccessCheck(caller));
        Assert.Equal(aboutOwn, Powers.CanAskAccessCheckAbout(caller, "acme"));
        Assert.Equal(aboutOther, Powers.CanAskAccessCheckAbout(caller, "other"));
    }

    [Theory]
    [InlineData(nameof(Superuser), true, true, true, true)]
    [InlineData(nameof(Admin), false, false, true, false)]
    [InlineData(nameof(OrgClient), false, false, true, false)]
    [InlineData(nameof(AppClient), false, false, false, false)]
    [InlineData(nameof(Guest), false, false, false, false)]
    public void ServiceWidePowers_ClosedRegistration_BelongToTheirHolders(string name, bool createOrg, bool listOrgs, bool createAdmin, bool listAdmins)
    {
        var caller = Of(name);

        Assert.Equal(createOrg, Powers.CanCreateOrganization(caller, registrationOpen: false));
        Assert.Equal(listOrgs, Powers.CanListOrganizations(caller));
        Assert.Equal(createAdmin, Powers.CanCreateAdminUser(caller, registrationOpen: false));
        Assert.Equal(listAdmins, Powers.CanListAdminUsers(caller));
        Assert.True(Powers.CanCreateOrganization(caller, registrationOpen: true));
        Assert.True(Powers.CanCreateAdminUser(caller, registrationOpen: true));
    }

    [Fact]
    public void CanManageAdminUser_OnlyTheSuperuserOrThatAdmin()
    {
        var id = Guid.Parse(Admin.Subject);

        Assert.True(Powers.CanManageAdminUser(Superuser, id));
        Assert.True(Powers.CanManageAdminUser(Admin, id));
        Assert.False(Powers.CanManageAdminUser(Admin, Guid.NewGuid()));
        Assert.False(Powers.CanManageAdminUser(OrgClient, id));
        Assert.False(Powers.CanManageAdminUser(AppUser with { Subject = id.ToString() }, id));
    }

    [Fact]
    public void AppUser_ReadsItselfOnly()
    {
        Assert.True(Powers.CanReadAppUser(AppUser, "acme", "shop", UserId));
        Assert.False(Powers.CanReadAppUser(AppUser, "acme", "shop", Guid.NewGuid()));
        Assert.False(Powers.CanReadAppUser(AppUser, "acme", "blog", UserId));
        Assert.False(Powers.CanReadAppUser(Admin with { Subject = UserId.ToString(), Memberships = [] }, "acme", "shop", UserId));
    }

    private static Caller Of(string name) => name switch
    {
        nameof(Superuser) => Superuser,
        nameof(Guest) => Guest,
        nameof(OrgClient) => OrgClient,
        nameof(AppClient) => AppClient,
        nameof(ResourceServer) => ResourceServer,
        nameof(AppUser) => AppUser,
        nameof(Admin) => Admin,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };
}
