import Warren

extension Product {
    /// The product worker: `warren worker coffee/product`.
    static func context(settings: Settings) -> BoundedContext {
        var context = BoundedContext("product", system: CoffeeSystem.name, migrations: migrations)
        context.on(RegisterProduct.self) { command, handling in
            try await register(command, handling)
        }
        context.on(ChangeProduct.self) { command, handling in
            try await change(command, handling)
        }
        context.serve(CheckProduct.self) { request, handling in
            let latency = settings.drawProductLatency()
            if latency > .zero { try await Task.sleep(for: latency) }
            return try await check(request, handling)
        }
        return context
    }

    /// `POST /products`: stored and announced; a negative price is refused (0 is allowed: such
    /// a product is shown but cannot be ordered).
    static func register(_ command: RegisterProduct, _ handling: Handling) async throws {
        guard command.price.amount >= 0 else {
            handling.respond(.refused(.invalid, "`price` must not be negative, got \(command.price)"))
            return
        }
        let product = try await Products(database: handling.database).insert(price: command.price, status: command.status)
        try handling.publish(ProductRegistered(id: product.id, price: product.price, status: product.status))
        handling.respond(try .created(id: product.id, product))
    }

    /// `PATCH /products/{id}`: every change is announced with the product's next version.
    static func change(_ command: ChangeProduct, _ handling: Handling) async throws {
        guard command.price != nil || command.status != nil else {
            handling.respond(.refused(.invalid, "nothing to change: give `status`, `price` or both"))
            return
        }
        if let price = command.price, price.amount < 0 {
            handling.respond(.refused(.invalid, "`price` must not be negative, got \(price)"))
            return
        }
        let products = Products(database: handling.database)
        guard let (stored, version) = try await products.lock(command.id) else {
            handling.respond(.refused(.notFound, "no product \(command.id)"))
            return
        }
        var product = stored
        if let price = command.price { product.price = price }
        if let status = command.status { product.status = status }
        try await products.update(product, version: version + 1)
        try handling.publish(UpdatedProductStatus(id: product.id, price: product.price, status: product.status,
                                                  previousStatus: stored.status, version: version + 1))
        handling.respond(try .done(product))
    }

    /// Reads only; the runtime's inbox keeps the reply, so a retried request gets the same one.
    static func check(_ request: CheckProduct, _ handling: Handling) async throws -> CheckProductReply {
        guard let product = try await Products(database: handling.database).find(request.productId) else { return .unknown }
        return .found(product)
    }
}
