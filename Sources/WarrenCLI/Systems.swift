import CleaningSystem
import CoffeeSystem
import HotelSystem
import LibrarySystem
import StorageSystem
import Warren

/// The business systems this binary runs: adding one is its import and its line here.
let registeredSystems: [any BusinessSystem.Type] = [
    CleaningSystem.self,
    HotelSystem.self,
    CoffeeSystem.self,
    LibrarySystem.self,
    StorageSystem.self,
]
