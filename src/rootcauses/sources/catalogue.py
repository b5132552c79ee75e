"""Plain names, themes and descriptions of the indicators each source writes — for readers who
never saw the store's codes (``wgi_rule_of_law_pctrank``, ``disaster_affected_storm`` …).

Entries are kept by source (the ``SOURCE.id`` of the module that writes the indicator) as
ordered ``(pattern, info)`` pairs; a pattern is a regular expression matched against the whole
indicator code, and the info's ``name`` and ``description`` may use its named groups (``{kind}``)
in plain words. :func:`describe` finds an indicator's entry; one with none gets its words, never
its code, and ``documented`` is False (a test lists every indicator of the store that has none).
Series that only describe another's uncertainty (standard errors) are ``hidden``: kept in the
store and the API, not offered in the dashboard's pickers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache

# Themes a reporter looks for, in the order the pickers show them.
THEMES = (
    "Violence and crime",
    "Economy and jobs",
    "Remittances",
    "Poverty and development",
    "Governance and corruption",
    "Climate and weather",
    "Disasters",
    "Food security",
    "Population",
    "Displacement and asylum",
    "Enforcement and the journey",
    "US aid",
    "US labour market",
    "Emigration",
)


@dataclass(frozen=True)
class IndicatorInfo:
    """How the dashboard names and explains one indicator (the unit comes from the store)."""

    name: str
    theme: str
    description: str = ""
    hidden: bool = False
    documented: bool = True


def _i(name: str, theme: str, description: str = "", hidden: bool = False) -> IndicatorInfo:
    if theme not in THEMES:
        raise ValueError(f"indicator theme {theme!r} is not one of {THEMES}")
    return IndicatorInfo(name, theme, description, hidden)


WGI = {
    "control_of_corruption": "control of corruption",
    "government_effectiveness": "government effectiveness",
    "political_stability": "political stability and absence of violence",
    "regulatory_quality": "regulatory quality",
    "rule_of_law": "rule of law",
    "voice_and_accountability": "voice and accountability",
}
DISASTER_MEASURES = {
    "affected": ("people affected", "People injured, affected or left homeless"),
    "damage_usd": ("damage (US$)", "Reported economic damage, US$ at the time"),
    "deaths": ("deaths", "Deaths and missing presumed dead"),
    "events": ("events", "Number of recorded disasters"),
    "homeless": ("people left homeless", "People left homeless"),
}
SEASONS = {
    "may_oct": "May-October rainy season",
    "may_aug_primera": "May-August (primera) growing season",
    "jul_aug_canicula": "July-August mid-summer drought (canícula)",
    "sep_nov_postrera": "September-November (postrera) growing season",
    "annual": "calendar year",
}
AID_STAGES = {
    "presidents_budget_request": "requested in the President's budget",
    "appropriated_and_planned": "appropriated and planned",
    "initial_allocations": "initially allocated",
    "obligations": "obligated",
    "disbursements": "disbursed",
}

V, E, R, P, G = THEMES[0], THEMES[1], THEMES[2], THEMES[3], THEMES[4]
C, D, F, POP, ASY, ENF, AID, US, EMI = THEMES[5:]
ENTRIES: dict[str, tuple[tuple[str, IndicatorInfo], ...]] = {
    "homicide": (
        (
            r"homicide_rate",
            _i("Homicide rate", V, "Intentional homicides per 100,000 people (UNODC)"),
        ),
        (
            r"homicide_rate_wdi",
            _i(
                "Homicide rate (World Bank)",
                V,
                "Intentional homicides per 100,000 people as the World Bank publishes them",
            ),
        ),
    ),
    "homicide_2024": (
        (
            r"homicide_rate_insightcrime",
            _i(
                "Homicide rate (InSight Crime)",
                V,
                "Homicides per 100,000 people from InSight Crime's yearly "
                "round-up (police and forensic figures)",
            ),
        ),
        (
            r"homicides_insightcrime",
            _i(
                "Homicides (InSight Crime)",
                V,
                "Homicide victims in the year, InSight Crime's round-up",
            ),
        ),
        (
            r"homicide_rate_inegi",
            _i(
                "Homicide rate, Mexico (INEGI)",
                V,
                "Homicides per 100,000 people from Mexico's death registrations",
            ),
        ),
        (
            r"homicides_inegi",
            _i("Homicides, Mexico (INEGI)", V, "Homicide victims registered in Mexico"),
        ),
    ),
    "firearms": (
        (
            r"firearms_submitted_for_tracing",
            _i(
                "Firearms submitted for tracing",
                V,
                "Crime guns recovered in the country and submitted to the US ATF for tracing",
            ),
        ),
        (
            r"firearms_traced_us_sourced_share",
            _i(
                "Traced firearms from the US (%)",
                V,
                "Share of traced firearms first sold or made in the United States",
            ),
        ),
        (
            r"firearms_traced_us_sourced",
            _i(
                "Traced firearms from the US",
                V,
                "Traced firearms first sold or made in the United States",
            ),
        ),
        (
            r"firearms_traced_non_us_sourced_share",
            _i(
                "Traced firearms from outside the US (%)",
                V,
                "Share of traced firearms with a non-US origin",
            ),
        ),
        (
            r"firearms_traced_us_retail_share",
            _i(
                "Traced firearms sold at US retail (%)",
                V,
                "Share of traced firearms last sold by a US retailer",
            ),
        ),
    ),
    "economy_wdi": (
        (r"gdp_growth", _i("Economic growth", E, "Real GDP growth over the previous year")),
        (
            r"gdp_pc_ppp_const",
            _i(
                "Income per person (constant prices)",
                E,
                "GDP per person at purchasing-power parity, constant international dollars",
            ),
        ),
        (
            r"gdp_pc_ppp_current",
            _i(
                "Income per person (current prices)",
                E,
                "GDP per person at purchasing-power parity, current international dollars",
            ),
        ),
        (r"gdp_pc_usd", _i("GDP per person (US$)", E, "GDP per person in current US dollars")),
        (r"gdp_usd", _i("GDP (US$)", E, "Gross domestic product in current US dollars")),
        (
            r"unemployment_rate",
            _i("Unemployment rate", E, "Unemployed people as a share of the labour force"),
        ),
        (
            r"unemployment_rate_(?P<sex>female|male)",
            _i(
                "Unemployment rate, {sex}",
                E,
                "Unemployed {sex} workers as a share of the {sex} labour force",
            ),
        ),
        (
            r"labour_force_participation_15_24",
            _i(
                "Youth labour force participation",
                E,
                "People aged 15-24 working or looking for work, share of the age group",
            ),
        ),
        (
            r"agriculture_employment_share",
            _i("Jobs in agriculture (%)", E, "Share of employment in agriculture"),
        ),
        (
            r"remittances_pct_gdp",
            _i(
                "Remittances received (% of GDP)",
                R,
                "Personal remittances received as a share of GDP",
            ),
        ),
        (
            r"gini",
            _i(
                "Income inequality (Gini)",
                P,
                "Gini index of income or consumption, 0 (equal) to 100",
            ),
        ),
        (
            r"poverty_headcount_national",
            _i(
                "Poverty (national lines)",
                P,
                "Share of people below the country's own poverty lines",
            ),
        ),
        (
            r"poverty_headcount_(?P<a>\d)_(?P<b>\d\d)",
            _i(
                "Poverty at ${a}.{b} a day",
                P,
                "Share of people living on less than ${a}.{b} a day (2011 prices, PPP)",
            ),
        ),
        (
            r"slum_population_share",
            _i("Urban population in slums (%)", P, "Share of the urban population living in slums"),
        ),
        (
            r"refugees_by_origin",
            _i(
                "Refugees from the country (World Bank)",
                ASY,
                "Refugees abroad by country of origin, as the World "
                "Bank republishes UNHCR's figures",
            ),
        ),
        (
            r"urban_population_share",
            _i("Urban population (%)", POP, "Share of people living in urban areas"),
        ),
        (r"urban_population", _i("Urban population", POP, "People living in urban areas")),
        (
            r"population",
            _i("Population", POP, "People living in the country (UN World Population Prospects)"),
        ),
    ),
    "remittances": (
        (
            r"remittances_received_usd",
            _i(
                "Remittances received (US$)",
                R,
                "Personal remittances received from abroad, current US dollars",
            ),
        ),
        (
            r"remittances_paid_usd",
            _i(
                "Remittances sent abroad (US$)",
                R,
                "Personal remittances paid to other countries, current US dollars",
            ),
        ),
        (r"gdp_usd", _i("GDP (US$)", E, "Gross domestic product in current US dollars")),
    ),
    "coffee_prices": (
        (
            r"coffee_price_other_milds",
            _i(
                "Coffee price (other milds)",
                E,
                "International price of Central American washed arabica ('other milds'), ICO",
            ),
        ),
        (
            r"coffee_price_robustas",
            _i("Coffee price (robustas)", E, "International price of robusta coffee, ICO"),
        ),
        (
            r"us_retail_price_ground_coffee",
            _i("US retail price of ground coffee", E, "Average US retail price of ground coffee"),
        ),
    ),
    "governance": (
        (
            r"cpi_score",
            _i(
                "Corruption Perceptions Index",
                G,
                "Transparency International's score, 0 (highly corrupt) to 100 (very clean)",
            ),
        ),
        (
            r"cpi_score_pre2012",
            _i(
                "Corruption Perceptions Index (before 2012)",
                G,
                "The old 0-10 scale; not comparable with the 2012+ scores",
            ),
        ),
        (
            r"cpi_rank",
            _i(
                "Corruption Perceptions rank",
                G,
                "Rank among the countries scored (1 = least corrupt)",
            ),
        ),
        (
            r"cpi_std_err",
            _i(
                "Corruption Perceptions Index: standard error",
                G,
                "Uncertainty of the score",
                hidden=True,
            ),
        ),
        (
            r"wgi_(?P<d>[a-z_]+?)_std_err",
            _i(
                "Governance ({d}): standard error",
                G,
                "Uncertainty of the World Bank estimate",
                hidden=True,
            ),
        ),
        (
            r"wgi_(?P<d>[a-z_]+?)_pctrank",
            _i(
                "Governance: {d} (percentile rank)",
                G,
                "World Bank Worldwide Governance Indicators: percentile "
                "among all countries (0 lowest, 100 highest)",
            ),
        ),
        (
            r"wgi_(?P<d>[a-z_]+)",
            _i(
                "Governance: {d}",
                G,
                "World Bank Worldwide Governance Indicators estimate, "
                "about -2.5 (weak) to +2.5 (strong)",
            ),
        ),
    ),
    "drought": (
        (r"precip", _i("Rainfall (monthly)", C, "Monthly rainfall over the country (CRU)")),
        (
            r"precip_z",
            _i(
                "Rainfall anomaly (monthly, z-score)",
                C,
                "Monthly rainfall in standard deviations from the 1991-2020 mean of that month",
            ),
        ),
        (
            r"precip_pct_of_normal",
            _i(
                "Rainfall (monthly, % of normal)",
                C,
                "Monthly rainfall as a share of the 1991-2020 mean of that month",
            ),
        ),
        (
            r"precip_annual_era5",
            _i(
                "Rainfall, calendar year (ERA5)",
                C,
                "Yearly rainfall over the country from the ERA5 reanalysis",
            ),
        ),
        (
            r"precip_(?P<s>[a-z_]+?)_pct_of_normal",
            _i(
                "Rainfall, {s} (% of normal)",
                C,
                "Rainfall in the {s} as a share of the 1991-2020 mean",
            ),
        ),
        (
            r"precip_(?P<s>[a-z_]+?)_z",
            _i(
                "Rainfall anomaly, {s} (z-score)",
                C,
                "Rainfall in the {s} in standard deviations from the "
                "1991-2020 mean; below -1 is a marked drought",
            ),
        ),
        (r"precip_(?P<s>[a-z_]+)", _i("Rainfall, {s}", C, "Total rainfall in the {s} (CRU)")),
        (
            r"temp_era5",
            _i("Temperature (monthly)", C, "Monthly mean surface air temperature (ERA5)"),
        ),
        (
            r"temp_anomaly_era5",
            _i(
                "Temperature anomaly (monthly)",
                C,
                "Difference from the 1991-2020 mean of the calendar month (ERA5)",
            ),
        ),
    ),
    "enso_oni": (
        (
            r"oni",
            _i(
                "El Niño index (ONI)",
                C,
                "NOAA's Oceanic Niño Index: +0.5 °C or more is El Niño, -0.5 or less La Niña",
            ),
        ),
        (
            r"oni_(?P<s>mean|max|min)",
            _i("El Niño index, yearly {s}", C, "The Oceanic Niño Index over the year ({s})"),
        ),
        (
            r"oni_mean_mjj_aso",
            _i(
                "El Niño index, May-October mean", C, "The Oceanic Niño Index over the rainy season"
            ),
        ),
        (
            r"nino34_sst",
            _i("Niño 3.4 sea temperature", C, "Sea surface temperature in the Niño 3.4 region"),
        ),
        (
            r"el_nino_seasons",
            _i(
                "El Niño seasons in the year",
                C,
                "Three-month seasons of the year in El Niño conditions",
            ),
        ),
        (
            r"la_nina_seasons",
            _i(
                "La Niña seasons in the year",
                C,
                "Three-month seasons of the year in La Niña conditions",
            ),
        ),
        (
            r"enso_episode",
            _i(
                "El Niño / La Niña episode",
                C,
                "Whether an El Niño (+1) or La Niña (-1) episode was under way",
            ),
        ),
        (
            r"enso_phase_mjj_aso",
            _i(
                "El Niño / La Niña in the rainy season",
                C,
                "The phase over May-October (+1 El Niño, -1 La Niña)",
            ),
        ),
    ),
    "hurdat2": (
        (
            r"storms_in_box",
            _i(
                "Tropical storms over the country",
                D,
                "Storm systems with a track point over the country (NOAA HURDAT2)",
            ),
        ),
        (
            r"storms_within_1deg",
            _i(
                "Tropical storms near the country",
                D,
                "Storm systems passing within about 110 km of the country",
            ),
        ),
        (
            r"hurricanes_in_box",
            _i("Hurricanes over the country", D, "Systems at hurricane strength over the country"),
        ),
        (
            r"storm_landfalls_in_box",
            _i("Storm landfalls", D, "Storm systems making landfall on the country"),
        ),
        (
            r"storm_max_wind_in_box",
            _i(
                "Strongest storm wind over the country",
                D,
                "Highest sustained wind of the storms over the country (knots)",
            ),
        ),
        (
            r"storm_max_wind_within_1deg",
            _i(
                "Strongest storm wind near the country",
                D,
                "Highest sustained wind of the storms within about 110 km (knots)",
            ),
        ),
    ),
    "disasters": tuple(
        (
            rf"disaster_{measure}_(?P<kind>[a-z_]+)",
            _i(
                f"Disasters ({{kind}}): {label}",
                D,
                f"{text} in the year's {{kind}} disasters (EM-DAT)",
            ),
        )
        for measure, (label, text) in DISASTER_MEASURES.items()
    ),
    "food_insecurity": (
        (
            r"undernourishment_prevalence",
            _i(
                "Undernourishment (%)",
                F,
                "Share of people not eating enough to meet their energy needs (FAO)",
            ),
        ),
        (
            r"ipc_phase3plus_share(?P<p>_projected)?",
            _i(
                "Acute food insecurity (% in crisis or worse){p}",
                F,
                "Share of the population analysed in IPC phase 3 (crisis) or worse",
            ),
        ),
        (
            r"ipc_phase3plus_people(?P<p>_projected)?",
            _i("People in food crisis or worse{p}", F, "People in IPC phase 3 (crisis) or worse"),
        ),
        (
            r"ipc_phase3_people(?P<p>_projected)?",
            _i("People in food crisis (IPC 3){p}", F, "People in IPC phase 3 (crisis)"),
        ),
        (
            r"ipc_phase4_people(?P<p>_projected)?",
            _i("People in food emergency (IPC 4){p}", F, "People in IPC phase 4 (emergency)"),
        ),
        (
            r"ipc_analysed_population(?P<p>_projected)?",
            _i(
                "Population covered by the IPC analysis{p}",
                F,
                "People in the areas the IPC analysis covered",
            ),
        ),
    ),
    "population": (
        (
            r"population",
            _i("Population", POP, "People living in the country (UN World Population Prospects)"),
        ),
        (
            r"population_male_15_34",
            _i("Men aged 15-34", POP, "Young men, the group most likely to migrate"),
        ),
        (
            r"population_(?P<a>\d+)_plus",
            _i("Population aged {a} and over", POP, "People aged {a} and over"),
        ),
        (
            r"population_(?P<a>\d+)_(?P<b>\d+)",
            _i("Population aged {a}-{b}", POP, "People aged {a} to {b}"),
        ),
        (
            r"household_size_avg",
            _i(
                "Household size",
                POP,
                "Average number of people per household (surveys and censuses)",
            ),
        ),
        (
            r"household_size_avg_(?P<a>rural|urban)",
            _i("Household size, {a}", POP, "Average number of people per {a} household"),
        ),
        (r"households", _i("Households", POP, "Number of households (censuses)")),
        (
            r"household_population",
            _i("Population in households", POP, "People living in households (censuses)"),
        ),
    ),
    "unhcr": (
        (
            r"refugees_abroad",
            _i(
                "Refugees abroad",
                ASY,
                "Refugees from the country living in other countries, end of year (UNHCR)",
            ),
        ),
        (
            r"asylum_seekers_abroad",
            _i(
                "Asylum seekers abroad",
                ASY,
                "People from the country with an asylum claim pending abroad, end of year",
            ),
        ),
        (
            r"refugees_and_asylum_seekers_abroad",
            _i("Refugees and asylum seekers abroad", ASY, "Both together, end of year"),
        ),
        (
            r"asylum_applications_new",
            _i(
                "New asylum applications abroad",
                ASY,
                "Asylum claims lodged by people from the country during the year",
            ),
        ),
        (
            r"other_in_need_of_protection_abroad",
            _i(
                "Others in need of protection abroad",
                ASY,
                "People from the country in need of international protection "
                "outside the refugee and asylum categories",
            ),
        ),
    ),
    "ice_removals": (
        (
            r"ice_removals_fy",
            _i(
                "Removals from the US (ICE)",
                ENF,
                "Removals by US Immigration and Customs Enforcement to the country, fiscal year",
            ),
        ),
        (
            r"ice_removals_total_fy",
            _i(
                "Removals from the US, all countries (ICE)",
                ENF,
                "All ICE removals in the fiscal year",
            ),
        ),
    ),
    "uac_family": (
        (
            r"orr_uac_referral_share_fy",
            _i(
                "Share of unaccompanied children referred to shelters",
                ENF,
                "Share of the unaccompanied children placed with the Office of "
                "Refugee Resettlement who came from the country",
            ),
        ),
    ),
    "journey": (
        (
            r"missing_migrants_dead_missing_(?P<r>[a-z_]+)",
            _i(
                "Migrants dead or missing, {r}",
                ENF,
                "Deaths and disappearances of migrants recorded by IOM's Missing Migrants Project",
            ),
        ),
        (
            r"mx_apprehensions_nt",
            _i(
                "Apprehensions in Mexico",
                ENF,
                "People from the three countries apprehended by Mexican authorities",
            ),
        ),
        (
            r"mx_deportations_of_nt_iom",
            _i(
                "Deportations from Mexico (IOM)",
                ENF,
                "Returns from Mexico to the three countries, IOM figures",
            ),
        ),
        (
            r"mx_deported_to_gt",
            _i(
                "Deportations from Mexico to Guatemala",
                ENF,
                "People returned by Mexico to Guatemala (Guatemalan migration authority)",
            ),
        ),
        (
            r"mx_land_deportations_via_gt_border",
            _i(
                "Deportations from Mexico by land",
                ENF,
                "Returns by land through the Guatemalan border (approximate)",
            ),
        ),
        (
            r"mx_presented(?P<p>_[a-z_]+)?",
            _i(
                "Migrants presented to Mexican authorities{p}",
                ENF,
                "Events of migrants brought before Mexico's migration authority (INM)",
            ),
        ),
        (
            r"mx_irregular_detected_jan_may",
            _i(
                "Irregular migrants detected in Mexico (Jan-May)",
                ENF,
                "Detections reported by Mexico's INM for January-May",
            ),
        ),
        (r"mx_returned", _i("Returns from Mexico", ENF, "Events of migrants returned by Mexico")),
        (
            r"mx_returns_jan_aug",
            _i("Returns from Mexico (Jan-Aug)", ENF, "Returns reported for January-August"),
        ),
        (
            r"nt_deportations_us_plus_mx",
            _i(
                "Deportations from the US and Mexico",
                ENF,
                "Returns to the three countries from both",
            ),
        ),
        (
            r"share_of_nt_deportations_from_mexico",
            _i(
                "Share of deportations from Mexico",
                ENF,
                "Returns from Mexico as a share of all returns from the US and Mexico",
            ),
        ),
        (
            r"us_plus_mx_apprehensions",
            _i(
                "Apprehensions in the US and Mexico",
                ENF,
                "Apprehensions of people from the three countries by both",
            ),
        ),
    ),
    "strategy": (
        (
            r"us_aid_(?P<s>[a-z_]+?)_constant_fy",
            _i(
                "US aid {s} (constant US$)",
                AID,
                "US foreign assistance {s}, fiscal year, constant dollars (ForeignAssistance.gov)",
            ),
        ),
        (
            r"us_aid_(?P<s>[a-z_]+?)_fy",
            _i(
                "US aid {s}",
                AID,
                "US foreign assistance {s}, fiscal year, current dollars (ForeignAssistance.gov)",
            ),
        ),
    ),
    "us_labor": (
        (
            r"us_unemployment_rate",
            _i(
                "US unemployment rate",
                US,
                "Unemployed people as a share of the US labour force (BLS)",
            ),
        ),
        (
            r"us_payrolls",
            _i("US jobs (payrolls)", US, "Non-farm payroll employment in the US (BLS)"),
        ),
        (
            r"us_construction_employment",
            _i(
                "US construction jobs",
                US,
                "Employment in US construction, an industry many migrants work in (BLS)",
            ),
        ),
    ),
    "subnational": (
        (
            r"shdi",
            _i(
                "Human Development Index (GDL)",
                P,
                "Global Data Lab's Human Development Index, 0-1 (health, education, income)",
            ),
        ),
        (
            r"population",
            _i("Population", POP, "People living in the department (censuses and projections)"),
        ),
        (r"homicides", _i("Homicides", V, "Homicide victims in the department (Honduras, SEPOL)")),
        (
            r"homicide_rate",
            _i(
                "Homicide rate",
                V,
                "Homicides per 100,000 people in the department (Honduras, SEPOL)",
            ),
        ),
    ),
    "emigration_departments": (
        (
            r"households_with_emigrants_pct",
            _i(
                "Households with a member abroad (%)",
                EMI,
                "Share of households reporting a member who emigrated "
                "and has not returned (census or survey)",
            ),
        ),
        (
            r"households_with_emigrants",
            _i(
                "Households with a member abroad",
                EMI,
                "Households reporting a member who emigrated and has not returned",
            ),
        ),
        (
            r"emigrants_per_1000_population",
            _i(
                "Emigrants per 1,000 residents",
                EMI,
                "Emigrants reported by the households of the department per 1,000 residents",
            ),
        ),
        (
            r"emigrants_reported_by_households",
            _i(
                "Emigrants reported by households",
                EMI,
                "Members who emigrated, as reported by the households left behind",
            ),
        ),
        (
            r"emigrants_by_year_of_departure(?P<p>_survey)?",
            _i(
                "Emigrants by year of departure",
                EMI,
                "Emigrants still abroad, by the year they left",
            ),
        ),
        (
            r"emigrants_estimate_survey",
            _i(
                "Emigrants (survey estimate)",
                EMI,
                "Weighted survey estimate of emigrants from the department's households",
            ),
        ),
        (
            r"emigrants_by_cause_(?P<c>[a-z_]+)",
            _i(
                "Emigrants who left for {c}",
                EMI,
                "Emigrants by the main reason the household gave for leaving",
            ),
        ),
        (
            r"households_receiving_remittances_pct",
            _i(
                "Households receiving remittances (%)",
                R,
                "Share of households receiving money or help from abroad",
            ),
        ),
        (
            r"households_receiving_remittances(?P<p>_estimate)?",
            _i(
                "Households receiving remittances",
                R,
                "Households receiving money or help from abroad",
            ),
        ),
        (
            r"households_total(?P<p>_estimate)?",
            _i("Households", EMI, "Households in the department"),
        ),
        (
            r"family_unit_deportation_events_attended_sosep",
            _i(
                "Family deportations received (SOSEP)",
                ENF,
                "Deportation events of family units received by Guatemala's SOSEP, by department",
            ),
        ),
    ),
}
# Words for the groups the patterns capture.
WORDS = {
    **WGI,
    **SEASONS,
    **{k: k.replace("_", " ") for k in ("female", "male", "rural", "urban")},
    "_projected": " (projected)",
    "_survey": "",
    "_estimate": "",
    "_cumulative": " (cumulative)",
    "_monthly": " (monthly)",
    "_jan_sep": " (Jan-Sep)",
    "_nt_jan_nov": " (Jan-Nov, from the three countries)",
    "_or_channelled": " or channelled",
    "central_america": "Central America",
    "north_america": "North America",
    "south_america": "South America",
    "insecurity_violence": "insecurity or violence",
    "family_reunification": "family reunification",
    "job_offer": "a job offer",
    "natural_disaster": "a natural disaster",
    "work": "work",
    "study": "study",
    "marriage": "marriage",
    "deportation": "a deportation",
    "caribbean": "the Caribbean",
    "other": "other reasons",
    **{s: s.replace("_", " ") for s in AID_STAGES},
    **AID_STAGES,
}


def _plain(code: str) -> str:
    return code.replace("_", " ").strip()


def _fill(template: str, groups: dict[str, str | None]) -> str:
    words = {k: WORDS.get(v or "", _plain(v or "")) for k, v in groups.items()}
    return template.format(**words)


@cache
def _compiled() -> dict[str, tuple[tuple[re.Pattern[str], IndicatorInfo], ...]]:
    return {
        source: tuple((re.compile(pattern), info) for pattern, info in entries)
        for source, entries in ENTRIES.items()
    }


def describe(indicator: str, sources: Iterable[str] = ()) -> IndicatorInfo:
    """The entry of ``indicator`` as written by any of ``sources`` (dataset ids; all when none
    is given); an indicator with no entry keeps its words and is not ``documented``."""
    compiled = _compiled()
    order = [s for s in sources if s in compiled] or list(compiled)
    for source in order:
        for pattern, info in compiled[source]:
            found = pattern.fullmatch(indicator)
            if found:
                groups = found.groupdict()
                return replace(
                    info,
                    name=_fill(info.name, groups),
                    description=_fill(info.description, groups),
                )
    return IndicatorInfo(_plain(indicator).capitalize(), "Other", "", documented=False)


__all__ = ["THEMES", "IndicatorInfo", "describe"]
