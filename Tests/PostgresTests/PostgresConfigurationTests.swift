import Testing

@testable import Postgres

@Suite("Connection URLs")
struct PostgresConfigurationTests {
    @Test func parsesEveryPart() throws {
        let configuration = try PostgresConfiguration(
            url: "postgresql://app%40corp:p%40ss%3Aw0rd@db.internal:6543/orders%20db?sslmode=require&application_name=warren%20worker"
        )
        #expect(configuration.user == "app@corp")
        #expect(configuration.password == "p@ss:w0rd")
        #expect(configuration.host == "db.internal")
        #expect(configuration.port == 6543)
        #expect(configuration.database == "orders db")
        #expect(configuration.parameters == ["sslmode": "require", "application_name": "warren worker"])
    }

    @Test func defaultsPortAndLeavesDatabaseToTheServer() throws {
        let configuration = try PostgresConfiguration(url: "postgres://warren@localhost")
        #expect(configuration.port == 5432)
        #expect(configuration.password == nil)
        #expect(configuration.database == nil)
    }

    @Test func acceptsIPv6Hosts() throws {
        let configuration = try PostgresConfiguration(url: "postgres://u:p@[::1]:5433/db")
        #expect(configuration.host == "::1")
        #expect(configuration.port == 5433)
        #expect(configuration.description == "postgres://u@[::1]:5433/db")
    }

    @Test func passesQueryParametersToLibpq() throws {
        let configuration = try PostgresConfiguration(url: "postgres://u@h/db?connect_timeout=3")
        let conninfo = Dictionary(configuration.conninfo, uniquingKeysWith: { $1 })
        #expect(conninfo["connect_timeout"] == "3")
        #expect(conninfo["client_encoding"] == "UTF8")
        #expect(conninfo["dbname"] == "db")
    }

    @Test func descriptionHidesPasswords() throws {
        let configuration = try PostgresConfiguration(url: "postgres://u:s3cret-pw@h/db?sslpassword=k3y-pw&sslmode=verify-full")
        #expect(!configuration.description.contains("s3cret-pw"))
        #expect(!configuration.description.contains("k3y-pw"))
        #expect(configuration.description == "postgres://u@h:5432/db?sslmode=verify-full&sslpassword=****")
    }

    @Test(arguments: [
        ("mysql://u@h/db", "scheme"),
        ("u@h/db", "postgres://"),
        ("postgres://u@h:port/db", "port"),
        ("postgres://u@h:70000/db", "port"),
        ("postgres://u:p@/db", "host"),
        ("postgres://h/db", "user"),
        ("postgres://u:%zz@h/db", "password"),
        ("postgres://u@h/db?sslmode", "sslmode"),
        ("postgres://u@[::1/db", "["),
    ])
    func rejectsMalformedURLsNamingTheProblem(url: String, mentioned: String) {
        do {
            _ = try PostgresConfiguration(url: url)
            Issue.record("\(url) was accepted")
        } catch let error as PostgresError {
            #expect(error.code == .invalidURL)
            #expect(error.message.contains(mentioned), "\(error.message) should mention \(mentioned)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func malformedPasswordIsNotQuoted() {
        #expect {
            try PostgresConfiguration(url: "postgres://u:hunter2%@h/db")
        } throws: { error in
            "\(error)".contains("password") && !"\(error)".contains("hunter2")
        }
    }
}
