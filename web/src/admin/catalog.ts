import { useEffect, useState } from 'react';
import { adminApi, adminPaths, type CatalogItem } from './admin-api.ts';
import type { Lang } from './texts.ts';

// The catalog changes only with the hub's configuration: asked once per page load.
let cities: Promise<readonly CatalogItem[]> | null = null;
const servicesByCity = new Map<string, Promise<readonly CatalogItem[]>>();

function loadCities(): Promise<readonly CatalogItem[]> {
  cities ??= adminApi<{ items: CatalogItem[] }>(adminPaths.cities(), { auth: false }).then(
    (answer) => answer.items,
    (error: unknown) => {
      cities = null; // ask again next time
      throw error;
    },
  );
  return cities;
}

function loadServices(cityId: string): Promise<readonly CatalogItem[]> {
  let services = servicesByCity.get(cityId);
  if (!services) {
    services = adminApi<{ items: CatalogItem[] }>(adminPaths.services(cityId), { auth: false }).then(
      (answer) => answer.items,
      (error: unknown) => {
        servicesByCity.delete(cityId);
        throw error;
      },
    );
    servicesByCity.set(cityId, services);
  }
  return services;
}

export interface CatalogNames {
  /** The cities in the catalog's order (empty until loaded). */
  readonly cities: readonly CatalogItem[];
  cityName(cityId: string): string;
  serviceName(cityId: string, serviceId: string): string;
}

/**
 * City names, and the service names of the given cities, in the console's language. Until they
 * arrive (or if the catalog cannot be read) ids stand in for names.
 */
export function useCatalogNames(lang: Lang, serviceCityIds: readonly string[] = []): CatalogNames {
  const [cityList, setCityList] = useState<readonly CatalogItem[]>([]);
  const [services, setServices] = useState<ReadonlyMap<string, readonly CatalogItem[]>>(new Map());
  const wanted = [...new Set(serviceCityIds)].sort().join(',');

  useEffect(() => {
    let current = true;
    loadCities().then(
      (items) => current && setCityList(items),
      () => undefined, // ids stand in
    );
    return () => {
      current = false;
    };
  }, []);

  useEffect(() => {
    if (!wanted) return undefined;
    let current = true;
    for (const cityId of wanted.split(',')) {
      loadServices(cityId).then(
        (items) => current && setServices((previous) => new Map(previous).set(cityId, items)),
        () => undefined,
      );
    }
    return () => {
      current = false;
    };
  }, [wanted]);

  return {
    cities: cityList,
    cityName: (cityId) => cityList.find((city) => city.id === cityId)?.name[lang] ?? cityId,
    serviceName: (cityId, serviceId) => services.get(cityId)?.find((service) => service.id === serviceId)?.name[lang] ?? serviceId,
  };
}
