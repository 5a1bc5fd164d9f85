package dev.cove.api.store;

import java.util.List;
import java.util.Optional;

/** Templates built through the API and their builds ({@code V22__templates}). */
public interface TemplateStore {
    /** Inserts the template, or returns the one that has the name already. */
    TemplateRecord insertOrGet(TemplateRecord t);

    Optional<TemplateRecord> find(String id);

    Optional<TemplateRecord> findByName(String name);

    List<TemplateRecord> list();

    void setReadyBuild(String templateId, String buildId, java.time.Instant at);

    /** Deletes the template and its builds. */
    void delete(String templateId);

    void insertBuild(BuildRecord b);

    Optional<BuildRecord> findBuild(String buildId);

    /** The template's builds, newest first. */
    List<BuildRecord> builds(String templateId);

    void markBuilding(String buildId, java.time.Instant at);

    /** Ends a build: {@code ready} with its image, or {@code error} with its reason; its logs and made layers with it. */
    void finishBuild(String buildId, String status, java.time.Instant at, String image, String reason, String logs,
                     List<String> madeLayers);

    /** Builds left {@code waiting} or {@code building} by a previous run (a restart ended them). */
    List<BuildRecord> unfinishedBuilds();
}
