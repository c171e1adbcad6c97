import Foundation
import HummingbirdTesting
import Testing
import Warren

/// Views read from PostgreSQL as `warren_reader`, in Spring Data REST's HAL shape.
@Suite struct ViewRouteTests {
    @Test func aPageOfAViewIsHALWithPageMetadataAndLinks() async throws {
        try await IngressHarness.with { harness in
            try await harness.insertAccounts(25)
            try await harness.withIngress { client in
                let response = try await client.send(.get, "/accounts?page=1&size=10&sort=balance,desc")
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/hal+json")
                let body = response.json
                let accounts = body["_embedded"]?["accounts"]
                #expect(accounts?.count == 10)
                // balance desc: page 1 holds ids 15...6
                #expect(accounts?[0]?["id"] == .integer(15))
                #expect(accounts?[9]?["id"] == .integer(6))
                #expect(accounts?[0]?["balance"] == .number(15.5))
                #expect(accounts?[0]?["owner"] == .string("owner-15"))
                #expect(accounts?[0]?["openedAt"] == .string("2025-01-15T00:00:00+00:00"))
                #expect(accounts?[0]?["nickname"] == .null)
                #expect(accounts?[0]?["_links"]?["self"]?["href"] == .string("http://localhost/accounts/15"))
                #expect(accounts?[0]?["_links"]?["account"]?["href"] == .string("http://localhost/accounts/15"))
                #expect(body["page"] == .object(["size": .integer(10), "totalElements": .integer(25),
                                                 "totalPages": .integer(3), "number": .integer(1)]))
                let links = body["_links"]
                #expect(links?["self"]?["href"] == .string("http://localhost/accounts?page=1&size=10&sort=balance,desc"))
                #expect(links?["first"]?["href"] == .string("http://localhost/accounts?page=0&size=10&sort=balance,desc"))
                #expect(links?["prev"]?["href"] == .string("http://localhost/accounts?page=0&size=10&sort=balance,desc"))
                #expect(links?["next"]?["href"] == .string("http://localhost/accounts?page=2&size=10&sort=balance,desc"))
                #expect(links?["last"]?["href"] == .string("http://localhost/accounts?page=2&size=10&sort=balance,desc"))
                #expect(links?["profile"]?["href"] == .string("http://localhost/profile/accounts"))
            }
        }
    }

    @Test func numericValuesKeepEveryDigit() async throws {
        try await IngressHarness.with { harness in
            try await harness.owner.execute("""
                INSERT INTO accounts.accounts (id, owner, balance, currency, opened_at)
                VALUES (1, 'exact', 12345678901234567890.10, 'EUR', '2025-01-01T00:00:00Z')
                """, [])
            try await harness.withIngress { client in
                let response = try await client.send(.get, "/accounts/1")
                #expect(response.text.contains("\"balance\" : 12345678901234567890.10"), "got \(response.text)")
            }
        }
    }

    @Test func defaultsAreFirstPageOfTwentyByKey() async throws {
        try await IngressHarness.with { harness in
            try await harness.insertAccounts(3)
            try await harness.withIngress { client in
                let body = try await client.send(.get, "/accounts").json
                #expect(body["_embedded"]?["accounts"]?.count == 3)
                #expect(body["_embedded"]?["accounts"]?[0]?["id"] == .integer(1))
                #expect(body["page"] == .object(["size": .integer(20), "totalElements": .integer(3),
                                                 "totalPages": .integer(1), "number": .integer(0)]))
                #expect(body["_links"]?["next"] == nil)
                #expect(body["_links"]?["first"] == nil)
            }
        }
    }

    @Test func anEmptyViewAndAPagePastTheEndHaveNoItems() async throws {
        try await IngressHarness.with { harness in
            try await harness.withIngress { client in
                let empty = try await client.send(.get, "/accounts").json
                #expect(empty["_embedded"]?["accounts"] == .array([]))
                #expect(empty["page"]?["totalPages"] == .integer(0))
            }
            try await harness.insertAccounts(2)
            try await harness.withIngress { client in
                let past = try await client.send(.get, "/accounts?page=5").json
                #expect(past["_embedded"]?["accounts"] == .array([]))
                #expect(past["page"]?["totalElements"] == .integer(2))
            }
        }
    }

    @Test func sortingByTwoFieldsAndPathFilters() async throws {
        try await IngressHarness.with { harness in
            try await harness.insertAccounts(6)
            try await harness.owner.execute("""
                INSERT INTO accounts.statements VALUES (1, 7, 10), (2, 7, 20), (3, 8, 30), (4, 7, 5)
                """, [])
            try await harness.withIngress { client in
                let sorted = try await client.send(.get, "/accounts?sort=currency,asc&sort=id,desc").json
                let ids = (0..<6).compactMap { sorted["_embedded"]?["accounts"]?[$0]?["id"] }
                #expect(ids == [6, 4, 2, 5, 3, 1].map { JSONValue.integer($0) })

                let statements = try await client.send(.get, "/accounts/7/statements?sort=amount").json
                let amounts = (0..<3).compactMap { statements["_embedded"]?["statements"]?[$0]?["amount"] }
                #expect(amounts == [.integer(5), .integer(10), .integer(20)])
                #expect(statements["page"]?["totalElements"] == .integer(3))
            }
        }
    }

    @Test func oneResourceByItsKeyAndUnknownIdsAre404() async throws {
        try await IngressHarness.with { harness in
            try await harness.insertAccounts(2)
            try await harness.withIngress { client in
                let found = try await client.send(.get, "/accounts/2")
                #expect(found.status == .ok)
                #expect(found.json["owner"] == .string("owner-2"))
                #expect(found.json["_links"]?["self"]?["href"] == .string("http://localhost/accounts/2"))
                #expect(found.json["_links"]?["account"]?["href"] == .string("http://localhost/accounts/2"))

                for path in ["/accounts/99", "/accounts/abc", "/accounts/99999999999999999999"] {
                    let missing = try await client.send(.get, path)
                    #expect(missing.status == .notFound, "\(path)")
                    #expect(missing.json["status"] == .integer(404))
                    #expect(missing.json["error"] != nil)
                }
            }
        }
    }

    @Test(arguments: [
        ("/accounts?sort=password", "sort"), ("/accounts?sort=owner,sideways", "sort"), ("/accounts?size=0", "size"),
        ("/accounts?size=1001", "size"), ("/accounts?size=ten", "size"), ("/accounts?page=-1", "page"),
    ])
    func badPagingOrSortingIs400NamingTheParameter(path: String, field: String) async throws {
        try await IngressHarness.with { harness in
            try await harness.withIngress { client in
                let response = try await client.send(.get, path)
                #expect(response.status == .badRequest, "\(path): \(response.text)")
                #expect(response.json["field"] == .string(field))
                #expect(response.json["status"] == .integer(400))
            }
        }
    }

    @Test func linksFollowForwardedHostAndProto() async throws {
        try await IngressHarness.with { harness in
            try await harness.insertAccounts(1)
            try await harness.withIngress { client in
                let body = try await client.send(.get, "/accounts/1", headers: [
                    .init("X-Forwarded-Host")!: "api.example.com", .init("X-Forwarded-Proto")!: "https",
                ]).json
                #expect(body["_links"]?["self"]?["href"] == .string("https://api.example.com/accounts/1"))
            }
        }
    }

    @Test func aViewTheReaderMayNotReadIs503() async throws {
        try await IngressHarness.with { harness in
            try await harness.withIngress { client in
                // A deployment that forgot the grant: 503 with Retry-After, logged, never a 500.
                try await harness.owner.execute("REVOKE SELECT ON accounts.accounts FROM warren_reader", [])
                let response = try await client.send(.get, "/accounts")
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] != nil)
            }
        }
    }

    @Test func profilesDescribeTheViews() async throws {
        try await IngressHarness.with { harness in
            try await harness.withIngress { client in
                let profile = try await client.send(.get, "/profile/accounts")
                #expect(profile.status == .ok)
                #expect(profile.text.contains("\"account-representation\""))
                #expect(try await client.send(.get, "/profile/nothing").status == .notFound)
            }
        }
    }
}
